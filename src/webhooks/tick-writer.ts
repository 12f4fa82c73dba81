/**
 * Groups the webhook writes of one event-loop tick (new outbox rows, cancelled holds, completions,
 * log entries) into one immediate transaction: one commit per tick instead of one per event is what
 * keeps the WebSocket path cheap at thousands of events per second (DEVELOPERS.md: `.immediate()`
 * because a deferred read-then-write transaction fails under a second writer).
 */
import type { Database } from "bun:sqlite";

export type WriteOp = () => void;

export class TickWriter {
  private ops: WriteOp[] = [];
  private pending: ReturnType<typeof setImmediate> | undefined;

  constructor(
    private readonly db: Database,
    private readonly log: (message: string) => void = (m) => console.error(m),
  ) {}

  /** Queues a write for the end of this tick. */
  add(op: WriteOp): void {
    this.ops.push(op);
    this.pending ??= setImmediate(() => this.flush());
  }

  get size(): number {
    return this.ops.length;
  }

  /**
   * Commits everything queued, now. Readers call this first so they never see a state older than
   * their own decisions (e.g. the dispatcher must not pick a row whose cancellation is still queued).
   */
  flush(): void {
    if (this.pending !== undefined) clearImmediate(this.pending);
    this.pending = undefined;
    if (this.ops.length === 0) return;
    const ops = this.ops;
    this.ops = [];
    try {
      this.db.transaction(() => {
        for (const op of ops) op();
      }).immediate();
    } catch (err) {
      // One bad write must not take the others of its tick down with it: retry each alone and drop
      // only those that fail again (a busy or full disk fails them all, and says so).
      let failed = 0;
      for (const op of ops) {
        try {
          this.db.transaction(op).immediate();
        } catch {
          failed++;
        }
      }
      if (failed > 0) this.log(`mawjly: webhooks: ${failed} of ${ops.length} outbox writes failed: ${(err as Error).message}`);
    }
  }
}
