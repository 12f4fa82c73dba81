/**
 * The periodic checks over every live socket, run by one timer rather than a timer per socket:
 * - activity (§1.4): ping a socket silent for activity_timeout (a pusher:ping frame, which pusher-js
 *   answers, and a protocol ping, which browsers answer); close with 4201 if nothing arrives within
 *   the pong timeout;
 * - authorized connections (§3.8): when the app requires it, close with 4009 a socket that neither
 *   signed in nor joined a private/presence channel within the app's userAuthTimeout.
 */
import { Code, closeReason, PusherError } from "../protocol/errors";
import { PING } from "../protocol/frames";
import type { AppState } from "./app-state";

export const UNAUTHORIZED_TIMEOUT = "Connection is unauthorized: sign in or join a private channel in time";

export function sweep(
  states: Iterable<AppState>,
  now: number,
  config: { activityTimeout: number; pongTimeout: number },
): void {
  const idleMs = config.activityTimeout * 1000;
  const pongMs = config.pongTimeout * 1000;
  for (const state of states) {
    const requireAuth = state.app.userAuth;
    const authMs = state.app.limits.userAuthTimeout * 1000;
    for (const session of state.sessions.values()) {
      if (requireAuth && !session.authorized && now - session.connectedAt >= authMs) {
        session.sendError(new PusherError(Code.UNAUTHORIZED, UNAUTHORIZED_TIMEOUT));
        session.close(Code.UNAUTHORIZED, UNAUTHORIZED_TIMEOUT);
        continue;
      }
      if (session.pingSentAt !== 0) {
        if (now - session.pingSentAt >= pongMs) {
          session.close(Code.PONG_NOT_RECEIVED, closeReason[Code.PONG_NOT_RECEIVED]);
        }
      } else if (now - session.lastSeen >= idleMs) {
        session.pingSentAt = now;
        session.send(PING);
        session.conn.ping();
      }
    }
  }
}
