/**
 * pusher:subscribe and pusher:unsubscribe (§2.3–§2.5, §3.1–§3.3), and the removal of a closed socket
 * from its channels. Subscribing is idempotent: a second subscribe answers subscription_succeeded again
 * without counting the socket twice.
 */
import { assertChannelName, channelType, requiresAuth, USER_CHANNEL_PREFIX } from "../protocol/channels";
import { Code, PusherError, SubscriptionError } from "../protocol/errors";
import { channelFrame, eventFrame, subscriptionSucceeded } from "../protocol/frames";
import { channelStringToSign, verifyAuth } from "../protocol/signatures";
import { ChannelState } from "./channel-state";
import type { Engine } from "./engine";
import { presenceIdentity } from "./presence";
import { topicOf } from "./ports";
import type { Session } from "./session";

/** Non-presence subscriptions carry nothing; one shared object saves an allocation per subscription. */
const PUBLIC_SUBSCRIPTION = Object.freeze({});

export function subscribe(engine: Engine, session: Session, data: Record<string, unknown>): void {
  const name = data.channel;
  if (typeof name !== "string") {
    throw new PusherError(null, "Invalid pusher:subscribe: 'channel' must be a string");
  }
  const app = session.app;
  try {
    assertChannelName(name, app.app.limits.maxChannelNameLength);
  } catch (err) {
    throw new SubscriptionError(null, (err as Error).message, name, "BadRequest", 400);
  }
  if (name.startsWith(USER_CHANNEL_PREFIX)) return subscribeUserChannel(session, name);

  const existing = app.channel(name);
  const type = existing?.type ?? channelType(name);
  const channelData = typeof data.channel_data === "string" ? data.channel_data : undefined;
  if (requiresAuth(type.kind)) {
    const toSign = channelStringToSign(session.socketId, name, type.kind === "presence" ? channelData : undefined);
    const problem = verifyAuth(data.auth, toSign, app.secretFor);
    if (problem !== null) throw new SubscriptionError(null, problem, name, "AuthError", 401);
  }
  const identity = type.kind === "presence" ? identityOrRefuse(session, name, channelData) : undefined;

  if (session.channels.has(name)) {
    // Idempotent: acknowledge again, do not count twice (§2.3 [REC]).
    session.send(subscriptionSucceeded(name, existing?.members ? existing.presenceSnapshot() : undefined));
    return;
  }
  const perSocket = app.app.limits.maxChannelsPerConnection;
  if (session.channels.size >= perSocket) {
    throw new SubscriptionError(
      Code.OVER_CAPACITY,
      `Subscription to ${name} refused: a connection may join at most ${perSocket} channels`,
      name,
      "LimitReached",
      Code.OVER_CAPACITY,
    );
  }
  if (identity !== undefined && existing?.members !== undefined) {
    const limit = app.app.limits.maxPresenceMembers;
    if (!existing.members.has(identity.userId) && existing.members.size >= limit) {
      throw new SubscriptionError(
        Code.OVER_CAPACITY,
        `Presence channel ${name} is full: it has reached the limit of ${limit} members`,
        name,
        "LimitReached",
        Code.OVER_CAPACITY,
      );
    }
  }

  if (requiresAuth(type.kind)) session.authorized = true;
  const channel = existing ?? new ChannelState(name);
  if (existing === undefined) app.channels.set(name, channel);
  channel.subscriberCount++;
  session.channels.set(name, identity === undefined ? PUBLIC_SUBSCRIPTION : { userId: identity.userId });
  const topic = topicOf(app.id, name);
  session.conn.subscribe(topic);
  if (existing === undefined) engine.bus.emit("occupied", { appId: app.id, channel: name });
  engine.bus.emit("subscribed", { appId: app.id, socketId: session.socketId, channel: name });

  if (identity === undefined) {
    session.send(subscriptionSucceeded(name));
  } else {
    const first = channel.addMember(identity.userId, identity.info);
    session.send(subscriptionSucceeded(name, channel.presenceSnapshot()));
    if (first) {
      const added = { user_id: identity.userId, user_info: identity.info };
      session.conn.publishExceptSelf(topic, channelFrame("pusher_internal:member_added", name, added));
      engine.bus.emit("member_added", { appId: app.id, channel: name, userId: identity.userId });
    }
  }
  if (type.cache) replayCache(engine, session, name);
  engine.counts.changed(app, channel);
}

function identityOrRefuse(session: Session, name: string, channelData: string | undefined) {
  try {
    return presenceIdentity(session, name, channelData);
  } catch (err) {
    throw new SubscriptionError(null, (err as Error).message, name, "BadRequest", 400);
  }
}

/** The per-user channel is joined only by a socket signed in as that user (§3.5). */
function subscribeUserChannel(session: Session, name: string): void {
  const userId = name.slice(USER_CHANNEL_PREFIX.length);
  if (session.user?.id !== userId) {
    throw new SubscriptionError(
      Code.UNAUTHORIZED,
      `Subscription to ${name} refused: the connection is not signed in as user '${userId}'`,
      name,
      "AuthError",
      401,
    );
  }
  // Delivery is by signed-in user (the socket joined the user topic at sign-in); no registry entry,
  // since '#' channels never appear in listings, counts or webhooks.
  session.send(subscriptionSucceeded(name));
}

/** After subscription_succeeded, the new subscriber alone gets the cached event or a cache miss (§2.8). */
function replayCache(engine: Engine, session: Session, name: string): void {
  const app = session.app;
  const hit = app.cached(name, engine.clock.now());
  if (hit !== undefined) {
    session.send(eventFrame(hit.event, name, hit.data));
    return;
  }
  session.send(`{"event":"pusher:cache_miss","channel":${JSON.stringify(name)}}`);
  // One cache_miss report per channel per TTL window, until an event fills the cache (§2.8 [REC]):
  // many clients subscribing to an empty channel must not flood the webhook endpoint.
  const now = engine.clock.now();
  if ((app.missReported.get(name) ?? 0) > now) return;
  app.missReported.set(name, now + engine.config.cacheTtlMs);
  engine.bus.emit("cache_miss", { appId: app.id, channel: name });
}

export function unsubscribe(engine: Engine, session: Session, data: Record<string, unknown>): void {
  const name = data.channel;
  if (typeof name !== "string") {
    throw new PusherError(null, "Invalid pusher:unsubscribe: 'channel' must be a string");
  }
  // Unsubscribing from a channel the socket is not in is a harmless race; no ack either way (§2.3).
  if (!session.channels.has(name)) return;
  session.conn.unsubscribe(topicOf(session.app.id, name));
  leave(engine, session, name);
}

/** Removes a socket from one channel: member_removed on its user's last socket, vacated when empty. */
export function leave(engine: Engine, session: Session, name: string): void {
  const subscription = session.channels.get(name);
  session.channels.delete(name);
  const app = session.app;
  const channel = app.channel(name);
  if (subscription === undefined || channel === undefined) return;
  channel.subscriberCount--;
  engine.bus.emit("unsubscribed", { appId: app.id, socketId: session.socketId, channel: name });
  if (subscription.userId !== undefined && channel.removeMember(subscription.userId)) {
    const removed = channelFrame("pusher_internal:member_removed", name, { user_id: subscription.userId });
    engine.broker.publish(topicOf(app.id, name), removed);
    engine.bus.emit("member_removed", { appId: app.id, channel: name, userId: subscription.userId });
  }
  if (channel.subscriberCount === 0) {
    app.channels.delete(name);
    engine.bus.emit("vacated", { appId: app.id, channel: name });
  }
  engine.counts.changed(app, channel);
}
