/**
 * One endpoint's delivery lane (dispatcher.ts): its channels in flight and just ended, its requests in
 * flight, whether a look is scheduled or running, its batching window and its wake-up timer.
 */
import type { OutboxRow } from "./outbox-store";

/** Wake-ups on a 10 ms grid: a thousand removals released per second cost 100 wake-ups, not 1000. */
const WAKE_GRID_MS = 10;

export class Lane {
  /** Channels with a request in flight. */
  readonly busy = new Set<string>();
  /** Channels whose request ended since the current look began: its rows may still look pending. */
  readonly ended = new Set<string>();
  readonly inFlight = new Set<Promise<void>>();
  scheduled = false;
  looking = false;
  /** A kick came during a look: look again after it. */
  again = false;
  /** Rows committed since the last look (batching: look early once a full batch may be there). */
  fresh = 0;
  /** Batching: the oldest ready row's window ends then. */
  batchAt: number | undefined;
  lastExpiry = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt: number | undefined;

  /** Channels that may not go now: in flight, or just ended (their completion may not be read yet). */
  blocked(): Set<string> {
    return new Set([...this.busy, ...this.ended]);
  }

  /** A request for `rows` is about to start: their channels are busy until it ends. */
  begin(rows: OutboxRow[]): void {
    for (const row of rows) this.busy.add(row.channel);
  }

  /** The request for `rows` ended: their channels are free, and count as just ended for the look under way. */
  end(rows: OutboxRow[], request: Promise<void>): void {
    for (const row of rows) {
      this.busy.delete(row.channel);
      this.ended.add(row.channel);
    }
    this.inFlight.delete(request);
  }

  /** Calls `wake` at `at` (rounded up to the grid), unless a wake-up at or before then is set already. */
  wakeAt(at: number, now: number, wake: () => void): void {
    at = Math.ceil(at / WAKE_GRID_MS) * WAKE_GRID_MS;
    if (this.timer !== undefined && this.timerAt !== undefined && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      wake();
    }, Math.max(0, at - now));
  }

  /** Cancels the wake-up (stop, kill, a removed endpoint). */
  stopWaking(): void {
    clearTimeout(this.timer);
  }
}
