/**
 * The durable outbox (ARCHITECTURE.md "Webhooks are durable"): one row per event per endpoint, written
 * before anything is sent and deleted only once delivered or given up. Guarantees:
 * - Order: rows of one endpoint are handed out by (ready_ms, seq); the dispatcher keeps per-channel
 *   order on top of that.
 * - Idempotent completion: deletes and updates name both seq and endpoint, and seq is never reused
 *   (AUTOINCREMENT), so a late completion never touches another row.
 * - No orphan rows: an insert for an endpoint removed meanwhile (by the CLI) is skipped, not an error
 *   that would roll back the other events of its tick.
 * Callers run the write methods inside one immediate transaction per tick (TickWriter).
 */
import type { Database, Statement } from "bun:sqlite";
import type { WebhookEventType } from "./schema";

export interface OutboxRow {
  seq: number;
  endpoint_id: string;
  app_id: string;
  channel: string;
  type: WebhookEventType;
  event: string;
  ready_ms: number;
  next_attempt_ms: number;
  attempts: number;
  hold_key: string | null;
}

export interface NewOutboxRow {
  endpointId: string;
  appId: string;
  channel: string;
  type: WebhookEventType;
  event: string;
  readyMs: number;
  holdKey: string | null;
}

export class SqliteOutbox {
  private readonly insertStmt: Statement;
  private readonly deleteStmt: Statement;
  private readonly cancelStmt: Statement;
  private readonly retryStmt: Statement;
  private readonly readyStmt: Statement;
  private readonly readyExceptStmt: Statement;
  private readonly nextReadyStmt: Statement;
  private readonly overdueStmt: Statement;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO webhook_outbox (endpoint_id, app_id, channel, type, event, ready_ms, next_attempt_ms, hold_key)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7 WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ?1)`,
    );
    this.deleteStmt = db.prepare("DELETE FROM webhook_outbox WHERE seq = ? AND endpoint_id = ?");
    this.cancelStmt = db.prepare("DELETE FROM webhook_outbox WHERE seq = ? AND hold_key = ?");
    this.retryStmt = db.prepare(
      "UPDATE webhook_outbox SET attempts = ?, next_attempt_ms = ?, last_error = ? WHERE seq = ? AND endpoint_id = ?",
    );
    this.readyStmt = db.prepare(
      "SELECT * FROM webhook_outbox WHERE endpoint_id = ? AND ready_ms <= ? ORDER BY ready_ms, seq LIMIT ?",
    );
    this.readyExceptStmt = db.prepare(
      `SELECT * FROM webhook_outbox WHERE endpoint_id = ? AND ready_ms <= ?
         AND channel NOT IN (SELECT value FROM json_each(?)) ORDER BY ready_ms, seq LIMIT ?`,
    );
    // ORDER BY … LIMIT 1, not MIN(): a guaranteed index seek, not a scan of every held row.
    this.nextReadyStmt = db.prepare(
      "SELECT ready_ms AS t FROM webhook_outbox WHERE endpoint_id = ? AND ready_ms > ? ORDER BY ready_ms LIMIT 1",
    );
    this.overdueStmt = db.prepare(
      "SELECT * FROM webhook_outbox WHERE endpoint_id = ? AND ready_ms < ? ORDER BY ready_ms, seq LIMIT ?",
    );
  }

  /** Returns the new row's seq, or undefined when the endpoint no longer exists. */
  insert(row: NewOutboxRow): number | undefined {
    const result = this.insertStmt.run(row.endpointId, row.appId, row.channel, row.type, row.event, row.readyMs, row.holdKey);
    return result.changes === 0 ? undefined : Number(result.lastInsertRowid);
  }

  delete(seq: number, endpointId: string): boolean {
    return this.deleteStmt.run(seq, endpointId).changes > 0;
  }

  /** Deletes a held row whose hold was cancelled; false when it is gone already. */
  cancel(seq: number, holdKey: string): boolean {
    return this.cancelStmt.run(seq, holdKey).changes > 0;
  }

  retry(seq: number, endpointId: string, attempts: number, nextAttemptMs: number, error: string): void {
    this.retryStmt.run(attempts, nextAttemptMs, error, seq, endpointId);
  }

  /**
   * Rows whose time has come, in delivery order; rows waiting for a retry are included (they block
   * their channel). `exceptChannels` skips channels known to be blocked, to look past them.
   */
  ready(endpointId: string, now: number, limit: number, exceptChannels?: string[]): OutboxRow[] {
    if (exceptChannels === undefined) return this.readyStmt.all(endpointId, now, limit) as OutboxRow[];
    return this.readyExceptStmt.all(endpointId, now, JSON.stringify(exceptChannels), limit) as OutboxRow[];
  }

  /** When the next held row of an endpoint becomes ready, if any. */
  nextReady(endpointId: string, now: number): number | undefined {
    const row = this.nextReadyStmt.get(endpointId, now) as { t: number } | null;
    return row?.t;
  }

  /** Rows that happened before `cutoff` (past the retry period), oldest first. */
  overdue(endpointId: string, cutoff: number, limit: number): OutboxRow[] {
    return this.overdueStmt.all(endpointId, cutoff, limit) as OutboxRow[];
  }

  /** Held rows still inside their window: after a restart, a comeback may still cancel them. */
  held(now: number): Pick<OutboxRow, "seq" | "endpoint_id" | "hold_key" | "ready_ms">[] {
    return this.db
      .query("SELECT seq, endpoint_id, hold_key, ready_ms FROM webhook_outbox WHERE hold_key IS NOT NULL AND ready_ms > ?")
      .all(now) as Pick<OutboxRow, "seq" | "endpoint_id" | "hold_key" | "ready_ms">[];
  }

  /** One removal's held rows still inside their window (a comeback seen by another cluster node). */
  heldFor(key: string, now: number): Pick<OutboxRow, "seq" | "endpoint_id">[] {
    return this.db.query("SELECT seq, endpoint_id FROM webhook_outbox WHERE hold_key = ? AND ready_ms > ?").all(key, now) as Pick<OutboxRow, "seq" | "endpoint_id">[];
  }

  pendingCounts(): Map<string, number> {
    const rows = this.db.query("SELECT endpoint_id, COUNT(*) AS n FROM webhook_outbox GROUP BY endpoint_id").all() as {
      endpoint_id: string;
      n: number;
    }[];
    return new Map(rows.map((r) => [r.endpoint_id, r.n]));
  }
}
