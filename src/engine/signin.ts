/**
 * pusher:signin (§3.4): verifies `<socket_id>::user::<user_data>`, binds one user id to the socket,
 * answers pusher:signin_success with the same user_data string, and joins the socket to the user's
 * topic so that server-to-user events reach every connection of that user (§3.5).
 * A failure is always answered (pusher-js would otherwise wait forever) with pusher:error 4009.
 */
import { USER_CHANNEL_PREFIX } from "../protocol/channels";
import { Code, PusherError } from "../protocol/errors";
import { signinStringToSign, verifyAuth } from "../protocol/signatures";
import type { EngineContext } from "./context";
import { then, type MaybePromise } from "./maybe";
import { topicOf } from "./ports";
import type { Session, SignedInUser } from "./session";
import { wellFormed } from "./presence";
import { watchlistSignedIn, watchlistSignedOut } from "./watchlist";

function fail(message: string): never {
  throw new PusherError(Code.UNAUTHORIZED, message);
}

export function signin(ctx: EngineContext, session: Session, data: Record<string, unknown>): MaybePromise<void> {
  const userData = data.user_data;
  if (typeof userData !== "string") fail("Sign-in failed: 'user_data' must be a JSON string");
  const problem = verifyAuth(data.auth, signinStringToSign(session.socketId, userData), session.app.secretFor);
  if (problem !== null) fail(`Sign-in failed: ${problem}`);
  const user = parseUserData(userData, session.app.app.limits.maxUserIdLength);
  if (session.user !== undefined && session.user.id !== user.id) {
    fail(`Sign-in failed: this connection is already signed in as '${session.user.id}'`);
  }
  if (session.user !== undefined) {
    // Signing in again as the same user (pusher-js does after a reconnect of the same socket) is acknowledged.
    session.send(signinSuccess(userData));
    return;
  }
  session.user = user;
  session.authorized = true;
  const app = session.app;
  const sockets = app.users.get(user.id) ?? new Set();
  sockets.add(session);
  app.users.set(user.id, sockets);
  ctx.broker.subscribe(session.conn, topicOf(app.id, USER_CHANNEL_PREFIX + user.id));
  session.send(signinSuccess(userData));
  return then(ctx.users.signIn(app.id, user.id, session.socketId), (first) =>
    then(watchlistSignedIn(ctx, app, session, first), () => {
      ctx.bus.emit("signed_in", { appId: app.id, socketId: session.socketId, userId: user.id });
    }),
  );
}

/** The reply carries the same user_data string the client sent (§3.4). */
function signinSuccess(userData: string): string {
  return `{"event":"pusher:signin_success","data":${JSON.stringify(JSON.stringify({ user_data: userData }))}}`;
}

function parseUserData(userData: string, maxIdLength: number): SignedInUser {
  let parsed: unknown;
  try {
    parsed = JSON.parse(userData);
  } catch {
    fail("Sign-in failed: 'user_data' is not valid JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    fail("Sign-in failed: 'user_data' must be a JSON object");
  }
  const { id, user_info: info, watchlist } = parsed as Record<string, unknown>;
  if (typeof id !== "string" || id === "") fail("Sign-in failed: 'user_data.id' must be a non-empty string");
  if (!wellFormed(id)) fail("Sign-in failed: 'user_data.id' is not valid Unicode text");
  if (id.length > maxIdLength) fail(`Sign-in failed: user id is ${id.length} characters, the limit is ${maxIdLength}`);
  const list = Array.isArray(watchlist) ? watchlist.filter((x): x is string => typeof x === "string") : [];
  return { id, info: info ?? null, watchlist: list };
}

/** A closing socket leaves its user's sockets; the user goes offline with its last socket anywhere. */
export function signout(ctx: EngineContext, session: Session): MaybePromise<void> {
  const user = session.user;
  if (user === undefined) return;
  const app = session.app;
  const sockets = app.users.get(user.id);
  sockets?.delete(session);
  if (sockets?.size === 0) app.users.delete(user.id);
  ctx.broker.unsubscribe(session.conn, topicOf(app.id, USER_CHANNEL_PREFIX + user.id));
  return then(ctx.users.signOut(app.id, user.id, session.socketId), (last) => watchlistSignedOut(ctx, app, session, last));
}
