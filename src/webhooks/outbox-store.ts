/**
 * The durable outbox (ARCHITECTURE.md "Webhooks are durable"): one row per event per endpoint, written
 * before anything is sent and deleted only once delivered or given up. The same SQL for SQLite and
 * PostgreSQL (the store port, store/db.ts). Guarantees:
 * - Order: rows of one endpoint are handed out by (ready_ms, seq); the dispatcher keeps per-channel
 *   order on top of that.
 * - Idempotent completion: deletes and updates name both seq and endpoint, and seq is never reused
 *   (AUTOINCREMENT / an identity column), so a late completion never touches another row.
 * - No orphan rows: an insert for an endpoint removed meanwhile (by the CLI) is skipped, not an error
 *   that would roll back the other events of its tick.
 * - Claims (several nodes on one PostgreSQL outbox): a node claims the rows it will send, for a while
 *   it renews; a channel with a live claim of another node is skipped whole, so per-channel order holds
 *   across nodes, and rows of a node that died are taken over once its claim lapses.
 * Callers run the write methods inside one transaction per tick (TickWriter), through `on(tx)`.
 */
import { inList, type Db } from "../store/db";
import type { WebhookEventType } from "./event-types";
import { insertRows } from "./outbox-insert";

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

export interface ClaimRequest {
  node: string;
  /** The claim lasts until then (ms since the epoch). */
  until: number;
  now: number;
  /** Rows with ready_ms at or before this. */
  readyBy: number;
  limit: number;
  /** Channels not to claim (known to be blocked here). */
  except?: readonly string[];
}

type Held = Pick<OutboxRow, "seq" | "endpoint_id" | "hold_key" | "ready_ms">;

/**
 * The columns of OutboxRow: not `*`, whose claim and error columns the dispatcher never reads. Their
 * integers arrive as numbers on both dialects (the store port's convention, store/db.ts).
 */
const COLUMNS = "seq, endpoint_id, app_id, channel, type, event, ready_ms, next_attempt_ms, attempts, hold_key";

const CLAIM_LOCK_TIMEOUT_MS = 100;

/**
 * PostgreSQL gave up a lock wait: 55P03 (NOWAIT, or past lock_timeout), or 40P01 (this transaction
 * was chosen to break a deadlock, e.g. where deadlock_timeout is set below lock_timeout).
 */
function gaveWay(err: unknown): boolean {
  const errno = (err as { errno?: unknown }).errno;
  return errno === "55P03" || errno === "40P01";
}

/**
 * A claim gave way: another node holds the endpoint's turn, or a tick's writes hold some of the
 * rows. Nothing was changed; the dispatcher looks again shortly (not an error to report).
 */
export class ClaimContended extends Error {
  override name = "ClaimContended";
}

const byOrder = (a: OutboxRow, b: OutboxRow) => a.ready_ms - b.ready_ms || a.seq - b.seq;

export class OutboxStore {
  constructor(private readonly db: Db) {}

  on(tx: Db): OutboxStore {
    return new OutboxStore(tx);
  }

  /** Returns the new row's seq, or undefined when the endpoint no longer exists. */
  async insert(row: NewOutboxRow): Promise<number | undefined> {
    return (await insertRows(this.db, [row]))[0];
  }

  /**
   * Inserts rows in the order given, several per statement (outbox-insert.ts); answers each row's
   * seq, or undefined for a row whose endpoint no longer exists.
   */
  insertMany(rows: readonly NewOutboxRow[]): Promise<(number | undefined)[]> {
    return insertRows(this.db, rows);
  }

  /**
   * Deletes rows of one endpoint (a request's, once delivered or given up) in one statement, not one
   * per row: a batch of 100 events is one delete. Answers how many were still there.
   */
  async delete(seqs: readonly number[], endpointId: string): Promise<number> {
    if (seqs.length === 0) return 0;
    const list = inList(seqs);
    // `endpoint_id || ''`: a filter, not an index condition. Given `endpoint_id = ?`, SQLite's planner
    // (no statistics) walks the endpoint's whole index range instead of looking up each seq: a delete
    // of 100 rows then read the whole backlog (bench/webhooks, batched delivery, 4× slower).
    return this.db.run(`DELETE FROM webhook_outbox WHERE seq IN ${list.sql} AND endpoint_id || '' = ?`, [...list.params, endpointId]);
  }

  /** Deletes a held row whose hold was cancelled; false when it is gone already. */
  async cancel(seq: number, holdKey: string): Promise<boolean> {
    return (await this.db.run("DELETE FROM webhook_outbox WHERE seq = ? AND hold_key = ?", [seq, holdKey])) > 0;
  }

  /**
   * Deletes one removal's held rows still inside their window (a comeback seen by another node than
   * the one holding it) and answers their endpoints; empty when there were none.
   */
  async cancelHeld(key: string, now: number): Promise<string[]> {
    const rows = await this.db.all<{ endpoint_id: string }>("DELETE FROM webhook_outbox WHERE hold_key = ? AND ready_ms > ? RETURNING endpoint_id", [key, now]);
    return rows.map((r) => r.endpoint_id);
  }

  async retry(seq: number, endpointId: string, attempts: number, nextAttemptMs: number, error: string): Promise<void> {
    await this.db.run("UPDATE webhook_outbox SET attempts = ?, next_attempt_ms = ?, last_error = ? WHERE seq = ? AND endpoint_id = ?", [
      attempts,
      nextAttemptMs,
      error,
      seq,
      endpointId,
    ]);
  }

  /**
   * Rows whose time has come, in delivery order; rows waiting for a retry are included (they block
   * their channel). `exceptChannels` skips channels known to be blocked, to look past them.
   */
  ready(endpointId: string, now: number, limit: number, exceptChannels?: readonly string[]): Promise<OutboxRow[]> {
    const except = exceptChannels === undefined ? undefined : inList(exceptChannels);
    return this.db.all<OutboxRow>(
      `SELECT ${COLUMNS} FROM webhook_outbox WHERE endpoint_id = ? AND ready_ms <= ?${except === undefined ? "" : ` AND channel NOT IN ${except.sql}`}
       ORDER BY ready_ms, seq LIMIT ?`,
      [endpointId, now, ...(except?.params ?? []), limit],
    );
  }

  /**
   * Claims due rows for `node` and answers them in delivery order: rows it holds already, and rows of
   * channels no other node holds a live claim on (a channel whose earlier rows another node is sending
   * is skipped whole). Claims of one endpoint are taken one node at a time (a row lock on the endpoint
   * in PostgreSQL, the write lock in SQLite): two concurrent looks can never split a channel.
   */
  async claim(endpointId: string, c: ClaimRequest): Promise<OutboxRow[]> {
    const except = c.except === undefined ? undefined : inList(c.except);
    const sql = `UPDATE webhook_outbox SET claimed_by = ?, claim_until = ? WHERE seq IN (
        SELECT seq FROM webhook_outbox WHERE endpoint_id = ? AND ready_ms <= ?
          AND channel NOT IN (SELECT channel FROM webhook_outbox WHERE endpoint_id = ? AND claimed_by IS NOT NULL
            AND claimed_by <> ? AND claim_until >= ?)${except === undefined ? "" : ` AND channel NOT IN ${except.sql}`}
        ORDER BY ready_ms, seq LIMIT ?)
      RETURNING ${COLUMNS}`;
    const params = [c.node, c.until, endpointId, c.readyBy, endpointId, c.node, c.now, ...(except?.params ?? []), c.limit];
    // SQLite: one statement is atomic under the database's write lock.
    if (this.db.dialect === "sqlite") return (await this.db.all<OutboxRow>(sql, params)).sort(byOrder);
    try {
      return await this.db.transaction(async (tx) => {
        // PostgreSQL: the statement's snapshot would not see a claim committed meanwhile; the endpoint's
        // row lock makes the claimers of one endpoint take turns. NO KEY UPDATE: outbox inserts (whose
        // foreign-key checks take KEY SHARE on the same row) are not blocked. Not waiting: while another
        // node is claiming this endpoint's rows, this look claims nothing instead of holding a pooled
        // connection waiting, and looks again shortly. (Skipping locked outbox rows instead could hand a
        // channel's later row to one node while another sends an earlier one.)
        // NOWAIT: another node's turn is an error (ClaimContended below), a deleted endpoint no row.
        // The UPDATE below and a tick's writes (a request's rows deleted in one statement) lock rows in
        // no common order and can deadlock; PostgreSQL would break that only after deadlock_timeout (1 s),
        // with every webhook write of the node waiting. The claim gives way instead: lock_timeout, set
        // for this transaction only (set_config's `true`), in the same round trip.
        const turn = await tx.get("SELECT id, set_config('lock_timeout', ?, true) AS t FROM webhook_endpoints WHERE id = ? FOR NO KEY UPDATE NOWAIT", [
          `${CLAIM_LOCK_TIMEOUT_MS}ms`,
          endpointId,
        ]);
        if (turn === undefined) return [];
        return (await tx.all<OutboxRow>(sql, params)).sort(byOrder);
      });
    } catch (err) {
      if (gaveWay(err)) throw new ClaimContended(`endpoint ${endpointId}: another node's turn, or rows being written`);
      throw err;
    }
  }

  /**
   * Extends the claims of `node` (while its requests are in flight); answers how many rows. On
   * PostgreSQL rows locked by a tick's writes (being deleted or rescheduled) are skipped, not waited
   * for: waiting could deadlock with that tick, and the next renewal takes them if they are still there.
   */
  renew(node: string, until: number): Promise<number> {
    if (this.db.dialect === "sqlite") return this.db.run("UPDATE webhook_outbox SET claim_until = ? WHERE claimed_by = ?", [until, node]);
    return this.db.run(
      "UPDATE webhook_outbox SET claim_until = ? WHERE seq IN (SELECT seq FROM webhook_outbox WHERE claimed_by = ? FOR NO KEY UPDATE SKIP LOCKED)",
      [until, node],
    );
  }

  /** Gives up every claim of `node` (a graceful stop): other nodes may send those rows at once. */
  release(node: string): Promise<number> {
    return this.db.run("UPDATE webhook_outbox SET claimed_by = NULL, claim_until = NULL WHERE claimed_by = ?", [node]);
  }

  /** When the next held row of an endpoint becomes ready, if any. */
  async nextReady(endpointId: string, now: number): Promise<number | undefined> {
    // ORDER BY … LIMIT 1, not MIN(): a guaranteed index seek, not a scan of every held row.
    const row = await this.db.get<{ t: number }>("SELECT ready_ms AS t FROM webhook_outbox WHERE endpoint_id = ? AND ready_ms > ? ORDER BY ready_ms LIMIT 1", [endpointId, now]);
    return row === undefined ? undefined : Number(row.t);
  }

  /** Rows that happened before `cutoff` (past the retry period), oldest first. */
  overdue(endpointId: string, cutoff: number, limit: number): Promise<OutboxRow[]> {
    return this.db.all<OutboxRow>(`SELECT ${COLUMNS} FROM webhook_outbox WHERE endpoint_id = ? AND ready_ms < ? ORDER BY ready_ms, seq LIMIT ?`, [
      endpointId,
      cutoff,
      limit,
    ]);
  }

  /** Held rows still inside their window: after a restart, a comeback may still cancel them. */
  held(now: number): Promise<Held[]> {
    return this.db.all<Held>("SELECT seq, endpoint_id, hold_key, ready_ms FROM webhook_outbox WHERE hold_key IS NOT NULL AND ready_ms > ? ORDER BY seq", [now]);
  }

  async pendingCounts(): Promise<Map<string, number>> {
    const rows = await this.db.all<{ endpoint_id: string; n: number }>("SELECT endpoint_id, COUNT(*) AS n FROM webhook_outbox GROUP BY endpoint_id");
    return new Map(rows.map((r) => [r.endpoint_id, Number(r.n)]));
  }
}
