/**
 * New outbox rows, many per statement: a tick of 1,000 events is 4 statements, not 1,000 (one per row
 * cost 190–560 µs per event on PostgreSQL, a round trip each: `bun bench/run.ts store`). The same SQL
 * on SQLite and PostgreSQL; what it keeps from the one-row insert it replaced:
 * - Order: seqs are assigned in the order the rows were given (the order their events happened), so
 *   (ready_ms, seq) still hands out a channel's events in order.
 * - No orphan rows: a row whose endpoint was removed meanwhile is skipped, not an error that would
 *   roll back the other events of its tick; the caller learns which ones.
 */
import type { Db, Param } from "../store/db";
import type { NewOutboxRow } from "./outbox-store";

/**
 * Rows per statement: 7 parameters each, 1,792 in all, far below either dialect's limit (SQLite
 * 32,766, PostgreSQL 65,535); past a few hundred rows a larger statement saves almost nothing.
 */
export const ROWS_PER_STATEMENT = 256;

/**
 * The statement for `size` rows (a power of two, see `insertChunk`). VALUES columns are named
 * column1…columnN on both dialects. column1 is the row's position, a literal. Why ORDER BY it: each
 * row takes its seq (AUTOINCREMENT, an identity column) as the SELECT hands it to the INSERT, and a
 * SELECT without ORDER BY promises no order (a planner may run the EXISTS as a merge join and hand
 * rows out sorted by endpoint); with it, seqs follow the order the events happened on both
 * dialects (test/unit/webhooks-outbox-insert.test.ts fails if it is reversed). The BIGINT cast:
 * PostgreSQL would otherwise take the parameter for text, which a BIGINT column refuses.
 */
function statement(size: number): string {
  const values = Array.from({ length: size }, (_, i) => `(${i}, ?, ?, ?, ?, ?, CAST(? AS BIGINT), ?)`);
  return `INSERT INTO webhook_outbox (endpoint_id, app_id, channel, type, event, ready_ms, next_attempt_ms, hold_key)
    SELECT column2, column3, column4, column5, column6, column7, column7, column8 FROM (VALUES ${values.join(", ")}) AS v
    WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = v.column2) ORDER BY column1
    RETURNING seq, endpoint_id`;
}

const statements = new Map<number, string>();

/**
 * Inserts `rows` in order and answers, per row, its seq, or undefined when its endpoint no longer
 * exists. Run inside the tick's transaction (TickWriter): a chunk failing rolls back the others.
 */
export async function insertRows(db: Db, rows: readonly NewOutboxRow[]): Promise<(number | undefined)[]> {
  const seqs: (number | undefined)[] = [];
  for (let from = 0; from < rows.length; from += ROWS_PER_STATEMENT) {
    seqs.push(...(await insertChunk(db, rows.slice(from, from + ROWS_PER_STATEMENT))));
  }
  return seqs;
}

async function insertChunk(db: Db, rows: readonly NewOutboxRow[]): Promise<(number | undefined)[]> {
  // Padded to a power of two with rows of no endpoint (never inserted): chunks of 1–256 rows make 9
  // SQL texts, not 256, each a prepared statement PostgreSQL keeps per pooled connection (as inList).
  let size = 1;
  while (size < rows.length) size *= 2;
  let sql = statements.get(size);
  if (sql === undefined) statements.set(size, (sql = statement(size)));
  const params: Param[] = [];
  for (const r of rows) params.push(r.endpointId, r.appId, r.channel, r.type, r.event, r.readyMs, r.holdKey);
  for (let i = rows.length; i < size; i++) params.push(null, null, null, null, null, null, null);
  const inserted = await db.all<{ seq: number; endpoint_id: string }>(sql, params);
  return matchSeqs(rows, inserted);
}

/**
 * Which seq is whose. RETURNING names table columns only (not the position), in no promised order.
 * But the endpoint check is all or nothing per endpoint within one statement, and the seqs ascend
 * in position order: so the inserted rows, in seq order, are exactly the given rows of the endpoints
 * that were found, in the order given. Anything else is an error, never a guess.
 */
export function matchSeqs(rows: readonly NewOutboxRow[], inserted: { seq: number; endpoint_id: string }[]): (number | undefined)[] {
  inserted.sort((a, b) => a.seq - b.seq);
  const found = new Set(inserted.map((r) => r.endpoint_id));
  const expected = rows.reduce((n, row) => (found.has(row.endpointId) ? n + 1 : n), 0);
  if (expected !== inserted.length) throw new Error(`outbox insert: ${inserted.length} rows inserted for ${expected} given`);
  let next = 0;
  return rows.map((row) => {
    if (!found.has(row.endpointId)) return undefined;
    const got = inserted[next++]!;
    if (got.endpoint_id !== row.endpointId) throw new Error(`outbox insert: row ${next - 1} of endpoint ${row.endpointId} got a seq of ${got.endpoint_id}`);
    return got.seq;
  });
}
