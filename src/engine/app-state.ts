/**
 * What this node keeps of one app: its local sockets, and which of them are signed in as or watch a
 * user (to deliver terminate and watchlist commands to local sockets). Everything the cluster shares
 * (channels, members, counts, cache) lives behind the ports. `app` is replaced in place when the app's
 * settings change, so running sessions see the new settings at once.
 */
import { appSecret, type App } from "./app";
import type { Session } from "./session";

export class AppState {
  readonly sessions = new Map<string, Session>();
  /** Signed-in user id → this node's sockets of that user (§3.4–§3.7). */
  readonly users = new Map<string, Set<Session>>();
  /** Watched user id → this node's sockets whose watchlist contains it (§3.6). */
  readonly watchers = new Map<string, Set<Session>>();

  constructor(public app: App) {}

  get id(): string {
    return this.app.id;
  }

  /** The secret of one of the app's active key pairs (§5.2 step 3: any active pair may sign). */
  readonly secretFor = (key: string): string | undefined => appSecret(this.app, key);
}
