/**
 * Watchlist events (§3.6), when the app enables them. A user is online while signed in on at least
 * one connection. Right after sign-in a socket receives the current status of its watched ids; later,
 * a watched user's first sign-in (online) or last signed-in socket closing (offline) is sent to every
 * socket watching that id. Frames are pusher_internal:watchlist_events, the shape pusher-js reads.
 */
import { Code, PusherError } from "../protocol/errors";
import type { AppState } from "./app-state";
import type { Session } from "./session";

type Status = "online" | "offline";

function frame(events: { name: Status; user_ids: string[] }[]): string {
  return `{"event":"pusher_internal:watchlist_events","data":${JSON.stringify(JSON.stringify({ events }))}}`;
}

/** After a successful sign-in; `firstSocket` is true when the user just came online. */
export function watchlistSignedIn(app: AppState, session: Session, firstSocket: boolean): void {
  if (!app.app.watchlistEvents) return;
  const user = session.user!;
  const max = app.app.limits.maxWatchlistSize;
  if (user.watchlist.length > max) {
    session.sendError(
      new PusherError(Code.WATCHLIST_LIMIT, `Watchlist limit exceeded: ${user.watchlist.length} ids, only the first ${max} are watched`),
    );
    user.watchlist = user.watchlist.slice(0, max);
  }
  const watched = [...new Set(user.watchlist)];
  for (const id of watched) {
    const watchers = app.watchers.get(id) ?? new Set();
    watchers.add(session);
    app.watchers.set(id, watchers);
  }
  const online = watched.filter((id) => app.users.has(id));
  const offline = watched.filter((id) => !app.users.has(id));
  const events = [
    ...(online.length > 0 ? [{ name: "online" as const, user_ids: online }] : []),
    ...(offline.length > 0 ? [{ name: "offline" as const, user_ids: offline }] : []),
  ];
  if (events.length > 0) session.send(frame(events));
  if (firstSocket) notify(app, user.id, "online");
}

/** When a signed-in socket closes; `lastSocket` is true when the user just went offline. */
export function watchlistSignedOut(app: AppState, session: Session, lastSocket: boolean): void {
  const user = session.user!;
  for (const id of user.watchlist) {
    const watchers = app.watchers.get(id);
    watchers?.delete(session);
    if (watchers?.size === 0) app.watchers.delete(id);
  }
  if (lastSocket && app.app.watchlistEvents) notify(app, user.id, "offline");
}

function notify(app: AppState, userId: string, status: Status): void {
  const watchers = app.watchers.get(userId);
  if (watchers === undefined) return;
  const message = frame([{ name: status, user_ids: [userId] }]);
  for (const watcher of watchers) watcher.send(message);
}
