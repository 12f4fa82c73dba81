/**
 * A synchronous look-up of one app in a local SQLite file, for the cache's misses only. The cache
 * answers from memory and learns other processes' changes by polling (watcher.ts), but `mawjly apps
 * create` from the CLI is followed at once by connections with the new key, and those must work at
 * once, as they always did on one machine. A local SQLite read costs microseconds and cannot hang, so
 * the connect path may do it; PostgreSQL has no such path (its misses wait for the next poll, 250 ms).
 * Same SQL as the store (store.ts), so the two cannot disagree about what an app is.
 */
import type { Database } from "bun:sqlite";
import type { App } from "../engine/app";
import { SQL, rowToApp, toKey, type AppRow, type KeyRow } from "./store";

export interface AppPeek {
  byKey(key: string): App | undefined;
  byId(id: string): App | undefined;
}

export class SqliteAppPeek implements AppPeek {
  constructor(private readonly db: Database) {}

  byId(id: string): App | undefined {
    const row = this.db.query(SQL.appById).get(id) as AppRow | null;
    if (row === null) return undefined;
    return rowToApp(row, (this.db.query(SQL.activeKeysOf).all(id) as KeyRow[]).map(toKey));
  }

  byKey(key: string): App | undefined {
    const hit = this.db.query(SQL.activeKey).get(key) as KeyRow | null;
    return hit === null ? undefined : this.byId(hit.app_id);
  }
}
