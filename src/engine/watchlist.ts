/**
 * Watchlist events (§3.6), when the app enables them. A user is online while signed in on at least
 * one connection anywhere in the cluster. Right after sign-in a socket receives the current status of
 * its watched ids; later, a watched user's first sign-in (online) or last signed-in socket closing
 * (offline) goes to every node as a control command (control.ts), and each node tells its watchers.
 * Frames are pusher_internal:watchlist_events, the shape pusher-js reads.
 */
import { Code, PusherError } from "../protocol/errors";
import type { AppState } from "./app-state";
import type { EngineContext } from "./context";
import { then, type MaybePromise } from "./maybe";
import type { Session } from "./session";

type Status = "online" | "offline";

export function watchlistFrame(events: { name: Status; user_ids: string[] }[]): string {
  return `{"event":"pusher_internal:watchlist_events","data":${JSON.stringify(JSON.stringify({ events }))}}`;
}

/** After a successful sign-in; `firstSocket` is true when the user just came online. */
export function watchlistSignedIn(ctx: EngineContext, app: AppState, session: Session, firstSocket: boolean): MaybePromise<void> {
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
  return then(ctx.users.online(app.id, watched), (onlineIds) => {
    const isOnline = new Set(onlineIds);
    const online = watched.filter((id) => isOnline.has(id));
    const offline = watched.filter((id) => !isOnline.has(id));
    const events = [
      ...(online.length > 0 ? [{ name: "online" as const, user_ids: online }] : []),
      ...(offline.length > 0 ? [{ name: "offline" as const, user_ids: offline }] : []),
    ];
    if (events.length > 0) session.send(watchlistFrame(events));
    if (firstSocket) ctx.control.publish({ kind: "watchlist", appId: app.id, userId: user.id, status: "online" });
  });
}

/** When a signed-in socket closes: it stops watching; `lastSocket` is true when the user just went offline. */
export function watchlistSignedOut(ctx: EngineContext, app: AppState, session: Session, lastSocket: boolean): void {
  const user = session.user!;
  for (const id of user.watchlist) {
    const watchers = app.watchers.get(id);
    watchers?.delete(session);
    if (watchers?.size === 0) app.watchers.delete(id);
  }
  if (lastSocket && app.app.watchlistEvents) ctx.control.publish({ kind: "watchlist", appId: app.id, userId: user.id, status: "offline" });
}
