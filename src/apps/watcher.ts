/**
 * Notices app changes committed by another process (the CLI while `serve` runs) and reports the
 * changed ids. `PRAGMA data_version` changes only when another connection commits, so the common
 * idle poll is one tiny query; revisions are compared only then.
 */
import type { Database } from "bun:sqlite";
import type { SqliteAppStore } from "./sqlite-store";

export class AppChangeWatcher {
  private version: number;
  private revisions: Map<string, number>;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly db: Database,
    private readonly store: SqliteAppStore,
    private readonly onChange: (id: string) => void,
    /** Apps with live state here: one created and deleted between two polls must still be noticed. */
    private readonly liveIds: () => Iterable<string> = () => [],
  ) {
    this.version = this.dataVersion();
    this.revisions = store.revisions();
  }

  start(intervalMs = 250): void {
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  poll(): void {
    const version = this.dataVersion();
    if (version === this.version) return;
    this.version = version;
    this.sync();
  }

  /** Compares revisions with the last seen ones; also used after this process's own changes. */
  sync(): void {
    const next = this.store.revisions();
    for (const [id, revision] of next) if (this.revisions.get(id) !== revision) this.onChange(id);
    for (const id of this.revisions.keys()) if (!next.has(id)) this.onChange(id);
    for (const id of this.liveIds()) if (!next.has(id) && !this.revisions.has(id)) this.onChange(id);
    this.revisions = next;
  }

  private dataVersion(): number {
    return (this.db.query("PRAGMA data_version").get() as { data_version: number }).data_version;
  }
}
