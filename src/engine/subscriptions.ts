/**
 * pusher:subscribe and pusher:unsubscribe (§2.3–§2.5, §3.1–§3.3), and the removal of a closed socket
 * from its channels. Subscribing is idempotent: a second subscribe answers subscription_succeeded again
 * without counting the socket twice. The registry decides first/last transitions for the cluster, so
 * occupied, vacated, member_added and member_removed happen once whichever node caused them.
 */
import { assertChannelName, channelType, requiresAuth, USER_CHANNEL_PREFIX } from "../protocol/channels";
import { Code, PusherError, SubscriptionError } from "../protocol/errors";
import { channelFrame, eventFrame, subscriptionSucceeded } from "../protocol/frames";
import { channelStringToSign, verifyAuth } from "../protocol/signatures";
import type { EngineContext } from "./context";
import type { AppState } from "./app-state";
import { then, thenWith, type MaybePromise } from "./maybe";
import { presenceIdentity, snapshotOf } from "./presence";
import { topicOf, type JoinResult, type LeaveResult, type PresenceMember } from "./ports";
import type { Session } from "./session";

/** Non-presence subscriptions carry nothing; one shared object saves an allocation per subscription. */
const PUBLIC_SUBSCRIPTION = Object.freeze({});

export function subscribe(ctx: EngineContext, session: Session, data: Record<string, unknown>): MaybePromise<void> {
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

  const type = channelType(name);
  const presence = type.kind === "presence";
  const channelData = typeof data.channel_data === "string" ? data.channel_data : undefined;
  if (requiresAuth(type.kind)) {
    const toSign = channelStringToSign(session.socketId, name, presence ? channelData : undefined);
    const problem = verifyAuth(data.auth, toSign, app.secretFor);
    if (problem !== null) throw new SubscriptionError(null, problem, name, "AuthError", 401);
  }
  const identity = presence ? identityOrRefuse(session, name, channelData) : undefined;

  if (session.channels.has(name)) {
    // Idempotent: acknowledge again, do not count twice (§2.3 [REC]).
    if (!presence) return session.send(subscriptionSucceeded(name));
    return thenWith(ctx.registry.members(app.id, name), acknowledgeAgain, session, name, undefined, undefined);
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

  const member = identity === undefined ? undefined : { id: identity.userId, info: identity.info };
  // Subscribed before the registry knows the socket: what others publish after the join reaches it.
  return thenWith(ctx.broker.subscribe(session.conn, topicOf(app.id, name)), join, ctx, session, name, member);
}

// The continuations of subscribe, and of leave below, are plain functions with their context passed
// in (thenWith): a closure per subscription would be garbage on every connect (bench/README.md).
function join(_: void, ctx: EngineContext, session: Session, name: string, member: PresenceMember | undefined): MaybePromise<void> {
  const app = session.app;
  const joining = ctx.registry.join(app.id, name, session.socketId, member, app.app.limits.maxPresenceMembers);
  return thenWith(joining, joined, ctx, session, name, member);
}

function joined(joined: JoinResult, ctx: EngineContext, session: Session, name: string, member: PresenceMember | undefined): MaybePromise<void> {
  const app = session.app;
  if (joined.full) {
    ctx.broker.unsubscribe(session.conn, topicOf(app.id, name));
    const limit = app.app.limits.maxPresenceMembers;
    throw new SubscriptionError(
      Code.OVER_CAPACITY,
      `Presence channel ${name} is full: it has reached the limit of ${limit} members`,
      name,
      "LimitReached",
      Code.OVER_CAPACITY,
    );
  }
  const type = channelType(name);
  if (requiresAuth(type.kind)) session.authorized = true;
  session.channels.set(name, member === undefined ? PUBLIC_SUBSCRIPTION : { userId: member.id });
  if (joined.occupied) ctx.bus.emit("occupied", { appId: app.id, channel: name });
  ctx.bus.emit("subscribed", { appId: app.id, socketId: session.socketId, channel: name });

  session.send(subscriptionSucceeded(name, joined.presence));
  if (member !== undefined && joined.memberAdded) {
    const added = { user_id: member.id, user_info: member.info };
    ctx.broker.publish(topicOf(app.id, name), channelFrame("pusher_internal:member_added", name, added), session.socketId);
    ctx.bus.emit("member_added", { appId: app.id, channel: name, userId: member.id });
  }
  if (!type.cache) return ctx.counts.changed(app, name, joined.count);
  return thenWith(replayCache(ctx, session, name), countChanged, ctx, app, name, joined.count);
}

function countChanged(_: void, ctx: EngineContext, app: AppState, name: string, count: number): void {
  ctx.counts.changed(app, name, count);
}

function acknowledgeAgain(members: PresenceMember[], session: Session, name: string): void {
  session.send(subscriptionSucceeded(name, snapshotOf(members)));
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
function replayCache(ctx: EngineContext, session: Session, name: string): MaybePromise<void> {
  const appId = session.app.id;
  const now = ctx.clock.now();
  return then(ctx.cache.get(appId, name, now), (hit) => {
    if (hit !== undefined) return session.send(eventFrame(hit.event, name, hit.data));
    session.send(`{"event":"pusher:cache_miss","channel":${JSON.stringify(name)}}`);
    // One cache_miss report per channel per TTL window, until an event fills the cache (§2.8 [REC]):
    // many clients subscribing to an empty channel must not flood the webhook endpoint.
    return then(ctx.cache.claimMiss(appId, name, now, now + ctx.config.cacheTtlMs), (first) => {
      if (first) ctx.bus.emit("cache_miss", { appId, channel: name });
    });
  });
}

export function unsubscribe(ctx: EngineContext, session: Session, data: Record<string, unknown>): MaybePromise<void> {
  const name = data.channel;
  if (typeof name !== "string") {
    throw new PusherError(null, "Invalid pusher:unsubscribe: 'channel' must be a string");
  }
  // Unsubscribing from a channel the socket is not in is a harmless race; no ack either way (§2.3).
  if (!session.channels.has(name)) return;
  return leave(ctx, session, name);
}

/** A closing socket leaves its channels one after the other, oldest first (their events keep a stable order). */
export function leaveAll(ctx: EngineContext, session: Session): MaybePromise<void> {
  for (let name = session.channels.first(); name !== undefined; name = session.channels.first()) {
    // leave() removes the channel from the socket at once, so the loop moves on to the next one.
    const left = leave(ctx, session, name);
    if (left instanceof Promise) return thenWith(left, leaveRest, ctx, session, undefined, undefined);
  }
}

function leaveRest(_: void, ctx: EngineContext, session: Session): MaybePromise<void> {
  return leaveAll(ctx, session);
}

/** Removes a socket from one channel: member_removed on its user's last socket, vacated when empty. */
function leave(ctx: EngineContext, session: Session, name: string): MaybePromise<void> {
  const subscription: { userId?: string } | undefined = session.channels.get(name);
  if (subscription === undefined) return;
  session.channels.delete(name);
  const app = session.app;
  ctx.broker.unsubscribe(session.conn, topicOf(app.id, name));
  const leaving = ctx.registry.leave(app.id, name, session.socketId, subscription.userId);
  return thenWith(leaving, left, ctx, session, name, subscription.userId);
}

function left(left: LeaveResult, ctx: EngineContext, session: Session, name: string, userId: string | undefined): void {
  const app = session.app;
  ctx.bus.emit("unsubscribed", { appId: app.id, socketId: session.socketId, channel: name });
  if (userId !== undefined && left.memberRemoved) {
    ctx.broker.publish(topicOf(app.id, name), channelFrame("pusher_internal:member_removed", name, { user_id: userId }));
    ctx.bus.emit("member_removed", { appId: app.id, channel: name, userId });
  }
  if (left.vacated) ctx.bus.emit("vacated", { appId: app.id, channel: name });
  ctx.counts.changed(app, name, left.count);
}
