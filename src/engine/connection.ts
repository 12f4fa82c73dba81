/**
 * A socket's own steps (run in order by steps.ts): admission by the connection limits, each inbound
 * frame, and the cleanup after it closed. Plain functions with their context passed in (thenWith),
 * not closures: every connect runs all three, and closures would be garbage on each one
 * (bench/README.md, "Server CPU per reconnect").
 */
import { Code, PusherError } from "../protocol/errors";
import { connectionEstablished, errorFrame, parseFrame } from "../protocol/frames";
import type { App } from "./app";
import type { EngineContext } from "./context";
import { dispatch } from "./dispatch";
import { thenWith, type MaybePromise } from "./maybe";
import { closeConnection, type Session } from "./session";
import { signout } from "./signin";
import { leaveAll } from "./subscriptions";

/** The app's connection limit, then the plan's (which reserves in the account's count). */
export function admit(ctx: EngineContext, session: Session): MaybePromise<void> {
  const app = session.app.app;
  return thenWith(ctx.registry.connect(app.id, session.socketId, app.limits.maxConnections), counted, ctx, session, app, undefined);
}

function counted(admitted: boolean, ctx: EngineContext, session: Session, app: App): MaybePromise<void> {
  if (!admitted) return refuse(session, `Over connection quota: the app allows ${app.limits.maxConnections} connections`);
  return thenWith(ctx.quotas.admitConnection(app), planChecked, ctx, session, app, undefined);
}

function planChecked(refused: string | null, ctx: EngineContext, session: Session, app: App): void {
  if (refused !== null) {
    void ctx.registry.disconnect(app.id, session.socketId);
    return refuse(session, refused);
  }
  session.send(connectionEstablished(session.socketId, ctx.config.activityTimeout));
  ctx.bus.emit("connected", { appId: app.id, socketId: session.socketId });
}

/** A socket the limits refused: it never counted, so closing it must not uncount anything. */
function refuse(session: Session, message: string): void {
  const err = new PusherError(Code.OVER_CONNECTION_QUOTA, message);
  session.send(errorFrame(err));
  session.closed = true;
  session.app.sessions.delete(session.socketId);
  closeConnection(session.conn, err.code!, err.message);
}

/** One inbound text frame, in its turn. */
export function receive(ctx: EngineContext, session: Session, text: string): MaybePromise<void> {
  if (session.closed) return;
  return dispatch(ctx, session, parseFrame(text));
}

/** The socket closed (by either side): leave every channel, sign out, forget the session. */
export function forget(ctx: EngineContext, session: Session, code: number | undefined): MaybePromise<void> {
  // Refused by the connection limits while its admission was on the way: it never counted.
  if (session.app.sessions.get(session.socketId) !== session) return;
  return thenWith(leaveAll(ctx, session), signOut, ctx, session, code, undefined);
}

function signOut(_: void, ctx: EngineContext, session: Session, code: number | undefined): MaybePromise<void> {
  return thenWith(signout(ctx, session), forgotten, ctx, session, code, undefined);
}

function forgotten(_: void, ctx: EngineContext, session: Session, code: number | undefined): void {
  session.app.sessions.delete(session.socketId);
  void ctx.registry.disconnect(session.app.id, session.socketId);
  ctx.quotas.connectionClosed(session.app.app);
  ctx.bus.emit("disconnected", { appId: session.app.id, socketId: session.socketId, code });
}
