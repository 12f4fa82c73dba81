/**
 * The usage_minutes table (migrations/0003_usage.sql): one row per app per minute, written only by
 * adding to it, so several flushes of one minute (and several processes sharing the file) add up
 * instead of overwriting each other. Hours and days are summed from the minutes when read.
 */
import type { Database } from "bun:sqlite";
import { emptyCounts, type BucketTotals, type MinuteCounts } from "./usage-buckets";

export interface MinuteRow {
  appId: string;
  minute: number;
  counts: MinuteCounts;
}

const UPSERT = `INSERT INTO usage_minutes
    (app_id, minute, connections_peak, connections_sum, samples, api_messages, client_messages, delivered)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
  ON CONFLICT (app_id, minute) DO UPDATE SET
    connections_peak = MAX(connections_peak, excluded.connections_peak),
    connections_sum = connections_sum + excluded.connections_sum,
    samples = samples + excluded.samples,
    api_messages = api_messages + excluded.api_messages,
    client_messages = client_messages + excluded.client_messages,
    delivered = delivered + excluded.delivered`;

// The average of a minute is taken here, per row, so that hours and days can sum minute averages
// (see usage-buckets.ts for why the average is built that way).
const BUCKETS = `SELECT minute / ?1 AS bucket,
    MAX(connections_peak) AS connectionsPeak,
    SUM(CASE WHEN samples > 0 THEN CAST(connections_sum AS REAL) / samples ELSE 0 END) AS minuteAvgSum,
    SUM(api_messages) AS apiMessages,
    SUM(client_messages) AS clientMessages,
    SUM(delivered) AS delivered
  FROM usage_minutes WHERE app_id = ?2 AND minute >= ?3 AND minute < ?4
  GROUP BY bucket`;

const MINUTE = `SELECT connections_peak AS connectionsPeak, connections_sum AS connectionsSum, samples,
    api_messages AS apiMessages, client_messages AS clientMessages, delivered
  FROM usage_minutes WHERE app_id = ?1 AND minute = ?2`;

// Concurrent connections of several apps add up within one minute; the day's peak is the largest sum.
const DAY = `SELECT minute, SUM(connections_peak) AS peak, SUM(api_messages + client_messages) AS published, SUM(delivered) AS delivered
  FROM usage_minutes WHERE app_id IN (SELECT value FROM json_each(?1)) AND minute >= ?2 AND minute < ?3
  GROUP BY minute`;

export class UsageStore {
  constructor(private readonly db: Database) {}

  /** Adds the rows in one immediate transaction: all of them or, on error, none (DEVELOPERS.md). */
  add(rows: readonly MinuteRow[]): void {
    if (rows.length === 0) return;
    const upsert = this.db.query(UPSERT);
    const write = this.db.transaction(() => {
      for (const { appId, minute, counts: c } of rows) {
        upsert.run(appId, minute, c.connectionsPeak, c.connectionsSum, c.samples, c.apiMessages, c.clientMessages, c.delivered);
      }
    });
    write.immediate();
  }

  /** Stored totals of one app per bucket of `bucketMinutes` minutes, keyed by minute / bucketMinutes. */
  buckets(appId: string, fromMinute: number, toMinute: number, bucketMinutes: number): Map<number, BucketTotals> {
    const rows = this.db.query(BUCKETS).all(bucketMinutes, appId, fromMinute, toMinute) as Array<BucketTotals & { bucket: number }>;
    return new Map(rows.map(({ bucket, ...totals }) => [bucket, totals]));
  }

  /** One stored minute, zeros when there is no row. */
  minute(appId: string, minute: number): MinuteCounts {
    return (this.db.query(MINUTE).get(appId, minute) as MinuteCounts | null) ?? emptyCounts();
  }

  /** Per minute of [from, to): the summed peaks of the apps; and the messages published and delivered over the range. */
  day(appIds: readonly string[], fromMinute: number, toMinute: number): { peaks: Map<number, number>; published: number; delivered: number } {
    const rows = this.db.query(DAY).all(JSON.stringify(appIds), fromMinute, toMinute) as Array<{
      minute: number;
      peak: number;
      published: number;
      delivered: number;
    }>;
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
  deleteBefore(minute: number): number {
    const remove = this.db.transaction(() => this.db.query("DELETE FROM usage_minutes WHERE minute < ?1").run(minute).changes);
    return remove.immediate();
  }
}
