/**
 * The dispatch table of inbound events (reverb's EventHandler idea): one entry per `pusher:` command;
 * `client-` events go to the client-event rules; anything else is refused with a clear message.
 */
import { PusherError, quoted } from "../protocol/errors";
import { commandData, PONG, type InboundFrame } from "../protocol/frames";
import { clientEvent } from "./client-events";
import type { EngineContext } from "./context";
import type { MaybePromise } from "./maybe";
import type { Session } from "./session";
import { signin } from "./signin";
import { subscribe, unsubscribe } from "./subscriptions";

type Handler = (ctx: EngineContext, session: Session, frame: InboundFrame) => MaybePromise<void>;

const COMMANDS: Record<string, Handler> = {
  "pusher:ping": (_engine, session) => session.send(PONG),
  // Activity is recorded for every frame before dispatch; a pong needs nothing more (§1.4).
  "pusher:pong": () => {},
  "pusher:subscribe": (engine, session, frame) => subscribe(engine, session, commandData(frame)),
  "pusher:unsubscribe": (engine, session, frame) => unsubscribe(engine, session, commandData(frame)),
  "pusher:signin": (engine, session, frame) => signin(engine, session, commandData(frame)),
};

export function dispatch(engine: EngineContext, session: Session, frame: InboundFrame): MaybePromise<void> {
  const handler = Object.hasOwn(COMMANDS, frame.event) ? COMMANDS[frame.event] : undefined;
  if (handler !== undefined) return handler(engine, session, frame);
  if (frame.event.startsWith("client-")) return clientEvent(engine, session, frame);
  if (frame.event.startsWith("pusher:") || frame.event.startsWith("pusher_internal:")) {
    throw new PusherError(null, `Unsupported event '${quoted(frame.event)}'`);
  }
  throw new PusherError(
    null,
    `Unsupported event '${quoted(frame.event)}': clients may send pusher: commands and client- events only`,
    frame.channel,
  );
}
