/**
 * The webhook outbox backlog for /metrics: a gauge sampled by the webhooks' periodic pass (every
 * MAWJLY_WEBHOOK_POLL_MS), never read from the database while /metrics renders — a scrape must not
 * wait for PostgreSQL, nor fail when it is down (the last sample stays). Pending = rows whose ready
 * time has come and that are not delivered or given up yet, retries included; a held
 * channel_vacated/member_removed (ready_ms in the future) is not due yet and is left out. The outbox is
 * shared by every process on the store, so these are its totals.
 */
import type { Db } from "../store/db";

export interface WebhookBacklog {
  pending: number;
  /** Age of the oldest pending row in seconds, 0 when nothing is pending. */
  oldestAgeSeconds: number;
}

const BACKLOG = "SELECT COUNT(*) AS pending, MIN(ready_ms) AS oldest FROM webhook_outbox WHERE ready_ms <= ?";

export class WebhookBacklogGauge {
  private pending = 0;
  private oldestMs: number | null = null;

  /** Reads the outbox's totals as of `nowMs` (the periodic pass calls this). */
  async sample(db: Db, nowMs: number): Promise<void> {
    const row = await db.get<{ pending: number; oldest: number | null }>(BACKLOG, [nowMs]);
    this.pending = Number(row?.pending ?? 0);
    this.oldestMs = row?.oldest == null ? null : Number(row.oldest);
  }

  /** The last sample; the age grows with `nowMs` between samples. */
  read(nowMs: number): WebhookBacklog {
    if (this.pending === 0 || this.oldestMs === null) return { pending: this.pending, oldestAgeSeconds: 0 };
    return { pending: this.pending, oldestAgeSeconds: Math.max(0, nowMs - this.oldestMs) / 1000 };
  }
}
