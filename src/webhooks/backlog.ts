/**
 * Per-endpoint backlog counters and the outbox bound. A dead endpoint must not grow the outbox
 * without limit: past `maxPending` rows new events for that endpoint are dropped (counted, and said
 * once a minute), and from a tenth of it a warning says the endpoint is falling behind. The counts
 * are in memory (rebuilt from the outbox at start and after changes by another process), so the
 * check on the WebSocket path is one map lookup.
 */
export interface Counters {
  pending: number;
  dropped: number;
  /** Rate limits of the two warnings, apart so that "dropping" is never muted by "falling behind". */
  warnedBehindMs: number;
  warnedDropMs: number;
}

const WARN_EVERY_MS = 60_000;

export class Backlog {
  private readonly byEndpoint = new Map<string, Counters>();

  constructor(
    private readonly maxPending: number,
    private readonly now: () => number,
    private readonly log: (message: string) => void = (m) => console.warn(m),
  ) {}

  of(endpointId: string): Counters {
    let c = this.byEndpoint.get(endpointId);
    if (c === undefined) {
      c = { pending: 0, dropped: 0, warnedBehindMs: -Infinity, warnedDropMs: -Infinity };
      this.byEndpoint.set(endpointId, c);
    }
    return c;
  }

  /** Counts one more pending row, or returns false (and counts a drop) when the endpoint is full. */
  admit(endpointId: string, label: string): boolean {
    const c = this.of(endpointId);
    if (c.pending >= this.maxPending) {
      c.dropped++;
      this.warn(c, "warnedDropMs", `mawjly: webhook endpoint ${label} has ${c.pending} undelivered events (the limit); dropping new events (${c.dropped} dropped so far)`);
      return false;
    }
    c.pending++;
    if (c.pending >= this.maxPending / 10) {
      this.warn(c, "warnedBehindMs", `mawjly: webhook endpoint ${label} is falling behind: ${c.pending} undelivered events (limit ${this.maxPending})`);
    }
    return true;
  }

  settled(endpointId: string, rows = 1): void {
    const c = this.of(endpointId);
    c.pending = Math.max(0, c.pending - rows);
  }

  /** Replaces pending counts with the outbox's (at start, and after another process wrote to it). */
  recount(counts: Map<string, number>): void {
    for (const [id, c] of this.byEndpoint) c.pending = counts.get(id) ?? 0;
    for (const [id, n] of counts) this.of(id).pending = n;
  }

  forget(endpointId: string): void {
    this.byEndpoint.delete(endpointId);
  }

  entries(): IterableIterator<[string, Counters]> {
    return this.byEndpoint.entries();
  }

  private warn(c: Counters, which: "warnedBehindMs" | "warnedDropMs", message: string): void {
    const now = this.now();
    if (now - c[which] < WARN_EVERY_MS) return;
    c[which] = now;
    this.log(message);
  }
}
