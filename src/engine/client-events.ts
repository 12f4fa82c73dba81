/**
 * Client events (§4): `client-` names only, on private and presence channels the sender has joined,
 * when the app enables them; never on encrypted channels; never echoed; `user_id` added on presence;
 * data size and a per-connection rate limit. Every refusal is a pusher:error 4301 frame carrying the
 * channel, never a close (§1.5).
 */
import { allowsClientEvents, channelType } from "../protocol/channels";
import { Code, PusherError } from "../protocol/errors";
import { eventFrame, type InboundFrame } from "../protocol/frames";
import type { EngineContext } from "./context";
import { validateEventName } from "./event-names";
import { then, type MaybePromise } from "./maybe";
import { topicOf } from "./ports";
import type { Session } from "./session";

function reject(message: string, channel?: string): never {
  throw new PusherError(Code.CLIENT_EVENT_REJECTED, message, channel);
}

export function clientEvent(ctx: EngineContext, session: Session, frame: InboundFrame): MaybePromise<void> {
  const app = session.app.app;
  const name = frame.event;
  const channel = frame.channel;
  if (channel === undefined) reject(`Client event ${name} rejected: it needs a 'channel'`);
  if (!app.clientEvents) reject(`Client event ${name} rejected: client events are not enabled for this app`, channel);
  const nameProblem = validateEventName(name, app);
  if (nameProblem !== null) reject(`Client event rejected: ${nameProblem}`, channel);
  const subscription = session.channels.get(channel);
  if (subscription === undefined) {
    reject(`Client event ${name} rejected: not subscribed to channel ${channel}`, channel);
  }
  const kind = channelType(channel).kind;
  if (!allowsClientEvents(kind)) {
    const why =
      kind === "encrypted"
        ? "client events are not supported on encrypted channels"
        : "client events are only allowed on private and presence channels";
    reject(`Client event ${name} rejected: ${why}`, channel);
  }
  const data = typeof frame.data === "string" ? frame.data : JSON.stringify(frame.data ?? null);
  const bytes = Buffer.byteLength(data);
  if (bytes > app.limits.maxMessageBytes) {
    reject(`Client event ${name} rejected: data is ${bytes} bytes, the limit is ${app.limits.maxMessageBytes}`, channel);
  }
  if (!withinRate(session, ctx.clock.now(), app.limits.clientEventsPerSecond)) {
    reject(`Client event rejected due to rate limit: at most ${app.limits.clientEventsPerSecond} per second`, channel);
  }
  const appId = session.app.id;
  return then(ctx.registry.count(appId, channel), (subscribers) => {
    const recipients = subscribers - 1; // never echoed to the sender (§4 rule 5)
    return then(ctx.quotas.admitMessages(app, recipients), (admitted) => {
      if (!admitted) reject(`Client event ${name} rejected: the account's daily message quota is used up`, channel);
      ctx.broker.publish(topicOf(appId, channel), eventFrame(name, channel, data, subscription.userId), session.socketId);
      ctx.bus.emit("client_event", { appId, channel, event: name, data, socketId: session.socketId, userId: subscription.userId, recipients });
    });
  });
}

/** A fixed one-second window per connection; cheap and exact enough for "N per second" (§4 rule 7). */
function withinRate(session: Session, now: number, perSecond: number): boolean {
  if (now - session.rateWindowStart >= 1000) {
    session.rateWindowStart = now;
    session.rateWindowCount = 0;
  }
  return ++session.rateWindowCount <= perSecond;
}
