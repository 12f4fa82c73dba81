/**
 * The engine's AppDirectory: apps by key and by id, cached in memory with explicit invalidation
 * (separate namespaces, ARCHITECTURE.md). A miss reads SQLite, so an app created by another process
 * works at the next connection attempt.
 */
import type { App, AppDirectory } from "../engine/app";
import type { SqliteAppStore } from "./sqlite-store";

export class AppCache implements AppDirectory {
  private readonly byIdMap = new Map<string, App>();
  private readonly byKeyMap = new Map<string, App>();

  constructor(private readonly store: SqliteAppStore) {}

  byKey(key: string): App | undefined {
    const hit = this.byKeyMap.get(key);
    if (hit !== undefined) return hit;
    return this.remember(this.store.byKey(key));
  }

  byId(id: string): App | undefined {
    const hit = this.byIdMap.get(id);
    if (hit !== undefined) return hit;
    return this.remember(this.store.byId(id));
  }

  /** Forgets an app under its id and every key it had, so revoked keys stop working at once. */
  invalidate(id: string): void {
    const app = this.byIdMap.get(id);
    this.byIdMap.delete(id);
    for (const pair of app?.keys ?? []) this.byKeyMap.delete(pair.key);
  }

  private remember(app: App | undefined): App | undefined {
    if (app !== undefined) {
      this.byIdMap.set(app.id, app);
      for (const pair of app.keys) this.byKeyMap.set(pair.key, app);
    }
    return app;
  }
}
