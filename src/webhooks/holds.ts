/**
 * The removal delay of PUSHER-PROTOCOL.md §6.4: channel_vacated and member_removed wait (3 s by
 * default); if the channel is occupied again, or the user re-added, inside that window, neither
 * webhook is sent. A hold remembers the outbox rows of the removal (one per endpoint) so the twin can
 * delete them. The rows themselves are already in the outbox with ready_ms = end of the window, so a
 * crash inside the window loses nothing: after a restart the rows are delivered on time, and the
 * holds are rebuilt from them (`restore`) so a comeback right after the restart still cancels them.
 * Pure and clock-driven, for unit tests.
 */
import type { Clock } from "../engine/ports";

/** One held outbox row: seq is set once the row is committed; `cancelled` stops a pending insert. */
export interface HeldRow {
  endpointId: string;
  seq?: number;
  cancelled?: boolean;
}

interface Hold {
  until: number;
  rows: HeldRow[];
}

/** Which removal a key names; its twin (occupied / member_added) computes the same key. */
export function channelHoldKey(appId: string, channel: string): string {
  return JSON.stringify(["channel", appId, channel]);
}

export function memberHoldKey(appId: string, channel: string, userId: string): string {
  return JSON.stringify(["member", appId, channel, userId]);
}

export class RemovalHolds {
  private readonly holds = new Map<string, Hold>();

  constructor(private readonly clock: Clock) {}

  /** Starts (or, after an expired one, replaces) the hold for `key`, open until `until`. */
  hold(key: string, until: number, rows: HeldRow[]): void {
    this.holds.set(key, { until, rows });
  }

  /** Adds a row to a hold, e.g. when rebuilding holds from the outbox after a restart. */
  restore(key: string, until: number, row: HeldRow): void {
    const hold = this.holds.get(key);
    if (hold !== undefined && hold.until === until) hold.rows.push(row);
    else this.holds.set(key, { until, rows: [row] });
  }

  /**
   * The twin arrived. Inside the window: ends the hold and returns its rows (to cancel; the twin is
   * suppressed too). Outside it, or with no hold: undefined, and the twin is recorded as usual.
   */
  take(key: string): HeldRow[] | undefined {
    const hold = this.holds.get(key);
    if (hold === undefined) return undefined;
    this.holds.delete(key);
    // Strictly before `until`: the dispatcher takes rows with ready_ms <= now, so the two never overlap.
    return this.clock.now() < hold.until ? hold.rows : undefined;
  }

  /** Forgets expired holds; their rows are ordinary pending rows by now. */
  sweep(): void {
    const now = this.clock.now();
    for (const [key, hold] of this.holds) if (hold.until <= now) this.holds.delete(key);
  }

  get size(): number {
    return this.holds.size;
  }
}
