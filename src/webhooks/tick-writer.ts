/**
 * Groups the webhook writes of one event-loop tick (new outbox rows, cancelled holds, completions,
 * log entries) into one transaction: one commit per tick instead of one per event is what keeps the
 * WebSocket path cheap at thousands of events per second. The WebSocket path only queues (`add`);
 * the commit runs after the tick, asynchronously, one at a time.
 *
 * An op writes through the transaction it is given and may answer what to do in memory once the
 * commit succeeded (count a row settled, wake a lane): a rolled-back op can then be run again without
 * doing its memory effects twice.
 *
 * Writes that are cheaper together (new outbox rows: one INSERT for many) are queued as items of a
 * `Batched` kind: the commit hands each run of consecutive items of one kind to it at once, so they
 * still take their place among the other writes of the tick. Each item stays a queued write of its
 * own for everything else: dropped, buffered and retried alone like an op.
 *
 * When the database cannot be reached (StoreUnavailable: PostgreSQL down), the queued writes are kept
 * in memory and retried with back-off, up to `maxBuffered` of them; writes beyond that are dropped and
 * said in one line (count, reason). Recovery is automatic: the next successful commit writes them all.
 */
import { StoreUnavailable, type Db } from "../store/db";

export type AfterCommit = () => void;
export type WriteOp = (tx: Db) => Promise<AfterCommit | void>;

/**
 * A kind of write made for several queued items at once. `write` gets consecutive items of its
 * kind, in the order queued, and answers what to do after the commit per item, in the same order.
 * It must write every item or throw: a throw rolls the tick back, then each item is tried alone.
 */
export interface Batched<T> {
  write(tx: Db, items: readonly T[]): Promise<(AfterCommit | void)[]>;
}

interface Queued {
  kind: Batched<unknown>;
  item: unknown;
  /** Told when the write is given up (so counters that expected it can be corrected). */
  dropped?: () => void;
}

/** The kind of plain ops: each runs as it was queued. */
const OPS: Batched<WriteOp> = {
  async write(tx, ops) {
    const after: (AfterCommit | void)[] = [];
    for (const op of ops) after.push(await op(tx));
    return after;
  },
};

export interface TickWriterOptions {
  /** Writes kept in memory while the database is unreachable; more are dropped. */
  maxBuffered?: number;
  log?: (message: string) => void;
  retryMs?: number;
  retryMaxMs?: number;
}

export class TickWriter {
  private ops: Queued[] = [];
  private pending: ReturnType<typeof setImmediate> | undefined;
  private running: Promise<void> = Promise.resolve();
  /** Set while the database is unreachable: the next retry's delay and timer. */
  private backoffMs = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private droppedUnsaid = 0;
  private readonly maxBuffered: number;
  private readonly log: (message: string) => void;
  private readonly retryMs: number;
  private readonly retryMaxMs: number;

  constructor(
    private readonly db: Db,
    options: TickWriterOptions = {},
  ) {
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.log = options.log ?? ((m) => console.error(m));
    this.retryMs = options.retryMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5000;
  }

  /** Queues a write for the end of this tick (never waits). */
  add(op: WriteOp, dropped?: () => void): void {
    this.addTo(OPS, op, dropped);
  }

  /** Queues an item of a batched kind for the end of this tick (never waits). */
  addTo<T>(kind: Batched<T>, item: T, dropped?: () => void): void {
    if (this.backoffMs > 0 && this.ops.length >= this.maxBuffered) {
      this.droppedUnsaid++;
      dropped?.();
      return;
    }
    this.ops.push({ kind: kind as Batched<unknown>, item, dropped });
    // While the database is down the retry timer commits; a write per tick would only fail again.
    if (this.backoffMs === 0) this.pending ??= setImmediate(() => void this.flush());
  }

  get size(): number {
    return this.ops.length;
  }

  /** Whether writes are being kept in memory because the database is unreachable. */
  get buffering(): boolean {
    return this.backoffMs > 0;
  }

  /**
   * Commits everything queued. Readers await this first so they never see a state older than their
   * own decisions (e.g. the dispatcher must not pick a row whose cancellation is still queued).
   * Never rejects: failures are kept (unreachable) or said (anything else).
   */
  flush(): Promise<void> {
    if (this.pending !== undefined) clearImmediate(this.pending);
    this.pending = undefined;
    this.running = this.running.then(() => this.commit());
    return this.running;
  }

  /** Final flush at stop: what still cannot be written is said, then forgotten. */
  async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.flush();
    this.sayDropped();
    if (this.ops.length > 0) {
      this.log(`mawjly: webhooks: ${this.ops.length} outbox writes not committed at stop: the database is unreachable`);
      this.ops = [];
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Forgets what is queued, uncommitted (a killed process loses its current tick; tests of takeover). */
  discard(): void {
    if (this.pending !== undefined) clearImmediate(this.pending);
    clearTimeout(this.retryTimer);
    this.pending = this.retryTimer = undefined;
    this.ops = [];
  }

  private async commit(): Promise<void> {
    if (this.ops.length === 0) return;
    const batch = this.ops;
    this.ops = [];
    let after: AfterCommit[];
    let down = false;
    try {
      after = await this.db.transaction((tx) => run(tx, batch));
    } catch (err) {
      if (err instanceof StoreUnavailable) return this.unreachable(batch, err);
      // One bad write must not take the others of its tick down with it: retry each alone and drop
      // only those that fail again.
      ({ after, down } = await this.oneByOne(batch, err as Error));
    }
    // The database went away in the middle of the retries: the rest waits for the back-off (it is
    // not "reachable again", and an immediate flush would only fail once more).
    if (!down) this.reachable(batch.length);
    for (const then of after) then();
  }

  /** Each write alone; `down` when the database became unreachable (the rest is then kept). */
  private async oneByOne(batch: Queued[], first: Error): Promise<{ after: AfterCommit[]; down: boolean }> {
    const after: AfterCommit[] = [];
    let failed = 0;
    let down = false;
    for (let i = 0; i < batch.length && !down; i++) {
      const q = batch[i]!;
      try {
        after.push(...(await this.db.transaction((tx) => run(tx, [q]))));
      } catch (err) {
        if (err instanceof StoreUnavailable) {
          this.unreachable(batch.slice(i), err);
          down = true;
        } else {
          failed++;
          q.dropped?.();
        }
      }
    }
    if (failed > 0) this.log(`mawjly: webhooks: ${failed} of ${batch.length} outbox writes failed: ${first.message}`);
    return { after, down };
  }

  private unreachable(batch: Queued[], err: Error): void {
    if (this.backoffMs === 0) {
      this.log(`mawjly: webhooks: the database is unreachable (${err.message}); keeping outbox writes in memory (at most ${this.maxBuffered}) and retrying`);
    }
    const kept = batch.concat(this.ops);
    for (const q of kept.splice(this.maxBuffered)) {
      this.droppedUnsaid++;
      q.dropped?.();
    }
    this.ops = kept;
    this.sayDropped();
    this.backoffMs = Math.min(this.retryMaxMs, Math.max(this.retryMs, this.backoffMs * 2));
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, this.backoffMs);
  }

  private reachable(committed: number): void {
    if (this.backoffMs === 0) return;
    this.backoffMs = 0;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.sayDropped();
    this.log(`mawjly: webhooks: the database is reachable again; committed ${committed} buffered outbox writes`);
    if (this.ops.length > 0) this.pending ??= setImmediate(() => void this.flush());
  }

  /** One line per retry round at most: how many writes were dropped since the last line, and why. */
  private sayDropped(): void {
    if (this.droppedUnsaid === 0) return;
    this.log(`mawjly: webhooks: dropped ${this.droppedUnsaid} outbox writes: the database is unreachable and ${this.maxBuffered} are buffered already`);
    this.droppedUnsaid = 0;
  }
}

/** Runs queued writes in order, each run of one kind as one call; answers the after-commit callbacks. */
async function run(tx: Db, queued: readonly Queued[]): Promise<AfterCommit[]> {
  const after: AfterCommit[] = [];
  let from = 0;
  while (from < queued.length) {
    const kind = queued[from]!.kind;
    let to = from + 1;
    while (to < queued.length && queued[to]!.kind === kind) to++;
    const items = queued.slice(from, to).map((q) => q.item);
    const answers = await kind.write(tx, items);
    if (answers.length !== items.length) throw new Error(`a batched write answered ${answers.length} callbacks for ${items.length} items`);
    for (const then of answers) if (then) after.push(then);
    from = to;
  }
  return after;
}
