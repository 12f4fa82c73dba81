/**
 * The usage_minutes table (migrations/0003_usage.sql and its PostgreSQL twin): one row per app per
 * minute, written only by adding to it, so several flushes of one minute (and several processes or
 * nodes sharing the store) add up instead of overwriting each other. Hours and days are summed from
 * the minutes when read. The SQL is written once for SQLite and PostgreSQL (store/db.ts).
 */
import { inList, type Db, type Param } from "../store/db";
import { emptyCounts, type BucketTotals, type MinuteCounts } from "./usage-buckets";

export interface MinuteRow {
  appId: string;
  minute: number;
  counts: MinuteCounts;
}

const COLUMNS = 8;
/** Rows per INSERT: one round trip for many rows, well under both dialects' parameter limits. */
const ROWS_PER_STATEMENT = 200;

// PostgreSQL has no scalar MAX and needs the table name on the existing row's columns (an unqualified
// name would be ambiguous with `excluded`); SQLite accepts the qualified form too.
function upsert(db: Db, rows: number): string {
  const greatest = db.dialect === "postgres" ? "GREATEST" : "MAX";
  const values = Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, ?, ?, ?)").join(", ");
  const add = (c: string) => `${c} = usage_minutes.${c} + excluded.${c}`;
  return `INSERT INTO usage_minutes
    (app_id, minute, connections_peak, connections_sum, samples, api_messages, client_messages, delivered)
  VALUES ${values}
  ON CONFLICT (app_id, minute) DO UPDATE SET
    connections_peak = ${greatest}(usage_minutes.connections_peak, excluded.connections_peak),
    ${["connections_sum", "samples", "api_messages", "client_messages", "delivered"].map(add).join(",\n    ")}`;
}

// The average of a minute is taken here, per row, so that hours and days can sum minute averages
// (see usage-buckets.ts for why the average is built that way). DOUBLE PRECISION is a float type in
// both dialects (SQLite reads the name as REAL), so the division and its SUM are floating point on
// both, as the in-memory arithmetic is, rather than PostgreSQL's NUMERIC. The bucket size is cast to
// an integer so that `minute / ?` stays an integer division whatever type the driver gives the parameter.
const BUCKETS = `SELECT minute / CAST(? AS INTEGER) AS bucket,
    MAX(connections_peak) AS "connectionsPeak",
    SUM(CASE WHEN samples > 0 THEN CAST(connections_sum AS DOUBLE PRECISION) / samples ELSE 0 END) AS "minuteAvgSum",
    SUM(api_messages) AS "apiMessages",
    SUM(client_messages) AS "clientMessages",
    SUM(delivered) AS delivered
  FROM usage_minutes WHERE app_id = ? AND minute >= ? AND minute < ?
  GROUP BY bucket`;

const MINUTE = `SELECT connections_peak AS "connectionsPeak", connections_sum AS "connectionsSum", samples,
    api_messages AS "apiMessages", client_messages AS "clientMessages", delivered
  FROM usage_minutes WHERE app_id = ? AND minute = ?`;

// Concurrent connections of several apps add up within one minute; the day's peak is the largest sum.
const day = (apps: string) => `SELECT minute, SUM(connections_peak) AS peak, SUM(api_messages + client_messages) AS published, SUM(delivered) AS delivered
  FROM usage_minutes WHERE app_id IN ${apps} AND minute >= ? AND minute < ?
  GROUP BY minute`;

export class UsageStore {
  constructor(private readonly db: Db) {}

  /** Adds the rows in one transaction: all of them or, on error, none. */
  async add(rows: readonly MinuteRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
        const params: Param[] = [];
        for (const { appId, minute, counts: c } of chunk) {
          params.push(appId, minute, c.connectionsPeak, c.connectionsSum, c.samples, c.apiMessages, c.clientMessages, c.delivered);
        }
        await tx.run(upsert(tx, chunk.length), params);
      }
    });
  }

  /** Stored totals of one app per bucket of `bucketMinutes` minutes, keyed by minute / bucketMinutes. */
  async buckets(appId: string, fromMinute: number, toMinute: number, bucketMinutes: number): Promise<Map<number, BucketTotals>> {
    const rows = await this.db.all<BucketTotals & { bucket: number }>(BUCKETS, [bucketMinutes, appId, fromMinute, toMinute]);
    return new Map(rows.map(({ bucket, ...totals }) => [bucket, totals]));
  }

  /** One stored minute, zeros when there is no row. */
  async minute(appId: string, minute: number): Promise<MinuteCounts> {
    const row = await this.db.get<MinuteCounts>(MINUTE, [appId, minute]);
    return row ?? emptyCounts();
  }

  /** Per minute of [from, to): the summed peaks of the apps; and the messages published and delivered over the range. */
  async day(appIds: readonly string[], fromMinute: number, toMinute: number): Promise<{ peaks: Map<number, number>; published: number; delivered: number }> {
    const apps = inList(appIds);
    const rows = await this.db.all<{ minute: number; peak: number; published: number; delivered: number }>(day(apps.sql), [
      ...apps.params,
      fromMinute,
      toMinute,
    ]);
    let published = 0;
    let delivered = 0;
    const peaks = new Map<number, number>();
    for (const row of rows) {
      peaks.set(row.minute, row.peak);
      published += row.published;
      delivered += row.delivered;
    }
    return { peaks, published, delivered };
  }

  /** Deletes every minute before `minute`; returns how many rows went. */
  deleteBefore(minute: number): Promise<number> {
    return this.db.run("DELETE FROM usage_minutes WHERE minute < ?", [minute]);
  }

  /** Deletes one app's minutes (the app was removed). */
  deleteApp(appId: string): Promise<number> {
    return this.db.run("DELETE FROM usage_minutes WHERE app_id = ?", [appId]);
  }
}
