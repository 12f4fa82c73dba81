/**
 * The webhook outbox backlog for /metrics, read from webhook_outbox (migrations/0004_webhooks.sql) at
 * scrape time. Pending = rows whose ready time has come and that are not delivered or given up yet,
 * retries included; a held channel_vacated/member_removed (ready_ms in the future) is not due yet and
 * is left out. The outbox is shared by every process on the data dir, so these are the file's totals.
 */
import type { Database } from "bun:sqlite";

export interface WebhookBacklog {
  pending: number;
  /** Age of the oldest pending row in seconds, 0 when nothing is pending. */
  oldestAgeSeconds: number;
}

const BACKLOG = "SELECT COUNT(*) AS pending, MIN(ready_ms) AS oldest FROM webhook_outbox WHERE ready_ms <= ?1";

export function webhookBacklog(db: Database, nowMs: number): WebhookBacklog {
  const row = db.query(BACKLOG).get(nowMs) as { pending: number; oldest: number | null };
  return { pending: row.pending, oldestAgeSeconds: row.oldest === null ? 0 : Math.max(0, nowMs - row.oldest) / 1000 };
}
