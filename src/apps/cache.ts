/**
 * The engine's AppDirectory: every app and active key in memory (separate namespaces, ARCHITECTURE.md).
 * The connect path and the trigger path ask it synchronously and must never wait on the database
 * (PostgreSQL is a network hop away), so it is a complete snapshot: `load()` once at start, then one
 * app re-read whenever it changes (`reload`/`refresh`, called for this process's changes and for the
 * changes the watcher and the control channel announce). An unknown key is answered from the snapshot.
 *
 * The one exception is a local SQLite file (peek.ts): a miss looks there synchronously, so an app the
 * CLI just created works at the next connection attempt, as it always did on one machine.
 */
import type { App, AppDirectory } from "../engine/app";
import type { AppPeek } from "./peek";
import type { Report } from "./problems";
import type { AppStore } from "./store";

export interface AppCacheOptions {
  /** Synchronous look-up for misses (SQLite only). */
  peek?: AppPeek;
  /** Where a failed re-read is said (at most once a minute per message). */
  report?: Report;
  /** Between attempts of `refresh` while the database cannot be read. */
  retryMs?: number;
}

export class AppCache implements AppDirectory {
  private byIdMap = new Map<string, App>();
  private byKeyMap = new Map<string, App>();
  /** The last re-read queued per app: re-reads of one app run one after another, so the last read wins. */
  private readonly queues = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: AppStore,
    private readonly options: AppCacheOptions = {},
  ) {}

  /** Reads every app (start-up). */
  async load(): Promise<void> {
    const byId = new Map<string, App>();
    const byKey = new Map<string, App>();
    for (const app of await this.store.list()) {
      byId.set(app.id, app);
      for (const pair of app.keys) byKey.set(pair.key, app);
    }
    this.byIdMap = byId;
    this.byKeyMap = byKey;
  }

  byKey(key: string): App | undefined {
    const hit = this.byKeyMap.get(key);
    if (hit !== undefined || this.options.peek === undefined) return hit;
    const found = this.options.peek.byKey(key);
    if (found !== undefined) this.put(found.id, found);
    return found;
  }

  byId(id: string): App | undefined {
    const hit = this.byIdMap.get(id);
    if (hit !== undefined || this.options.peek === undefined) return hit;
    const found = this.options.peek.byId(id);
    if (found !== undefined) this.put(id, found);
    return found;
  }

  /** Apps in the snapshot (tests, diagnostics). */
  get size(): number {
    return this.byIdMap.size;
  }

  /** How many apps an account has, from the snapshot (a figure to show; AppService counts for the plan cap). */
  countFor(accountId: string): number {
    let n = 0;
    for (const app of this.byIdMap.values()) if (app.accountId === accountId) n++;
    return n;
  }

  /**
   * Re-reads one app (gone: forgotten with every key it had, so revoked keys stop working at once).
   * One attempt; rejects when the database cannot be read, leaving the snapshot as it was.
   */
  reload(id: string): Promise<void> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.then(async () => this.put(id, await this.store.byId(id)));
    const tail = next.catch(() => {});
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return next;
  }

  /**
   * Re-reads one app until it succeeds (the database may be down for a while); resolves then, never
   * rejects. For changes announced by others, which are not announced twice.
   */
  async refresh(id: string): Promise<void> {
    for (;;) {
      try {
        return await this.reload(id);
      } catch (err) {
        if (this.closed) return;
        this.options.report?.(`re-reading app ${id}`, err);
        await Bun.sleep(this.options.retryMs ?? 1000);
      }
    }
  }

  /** Starts a refresh without waiting for it. */
  invalidate(id: string): void {
    void this.refresh(id);
  }

  /** Stops the retries of `refresh` (shutdown: the store is about to close). */
  close(): void {
    this.closed = true;
  }

  private put(id: string, app: App | undefined): void {
    const old = this.byIdMap.get(id);
    for (const pair of old?.keys ?? []) this.byKeyMap.delete(pair.key);
    if (app === undefined) {
      this.byIdMap.delete(id);
      return;
    }
    this.byIdMap.set(id, app);
    for (const pair of app.keys) this.byKeyMap.set(pair.key, app);
  }
}
