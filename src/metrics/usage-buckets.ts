/**
 * Pure arithmetic of the usage rollups: per-minute counts, the windows of the hour/day/month views
 * and the folding of minutes into their buckets. No clock and no I/O, so a test drives it with plain
 * numbers.
 *
 * The average number of connections of a bucket is the mean of its minutes' averages over the
 * minutes that have elapsed in it, a minute without a row counting as zero. That is exact because the
 * recorder writes a sample for every app that has connections (and the zero samples that follow), so
 * a minute is missing only when the app had no connection at any sample, or the server was down.
 * Dividing summed connections by summed samples instead would ignore those idle minutes and overstate
 * the average of any hour that was mostly idle.
 */
import type { UsagePeriod, UsagePoint } from "./usage-schema";

export const MINUTE_MS = 60_000;
export const MINUTES_PER_DAY = 1440;

/** One app's usage in one minute: a row of usage_minutes, or the unflushed part of one. */
export interface MinuteCounts {
  connectionsPeak: number;
  connectionsSum: number;
  samples: number;
  apiMessages: number;
  clientMessages: number;
  delivered: number;
}

export function emptyCounts(): MinuteCounts {
  return { connectionsPeak: 0, connectionsSum: 0, samples: 0, apiMessages: 0, clientMessages: 0, delivered: 0 };
}

/** Unix minute (Unix seconds / 60, the `minute` column) of a time in milliseconds. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}

/** Raises the minute's peak to `connections` open at once (at a connect or a disconnect). */
export function notePeak(counts: MinuteCounts, connections: number): void {
  counts.connectionsPeak = Math.max(counts.connectionsPeak, connections);
}

export function addSample(counts: MinuteCounts, connections: number): void {
  counts.connectionsPeak = Math.max(counts.connectionsPeak, connections);
  counts.connectionsSum += connections;
  counts.samples += 1;
}

/** Adds `more` into `into` the way the upsert does: peaks by maximum, everything else by sum. */
export function mergeCounts(into: MinuteCounts, more: MinuteCounts): MinuteCounts {
  into.connectionsPeak = Math.max(into.connectionsPeak, more.connectionsPeak);
  into.connectionsSum += more.connectionsSum;
  into.samples += more.samples;
  into.apiMessages += more.apiMessages;
  into.clientMessages += more.clientMessages;
  into.delivered += more.delivered;
  return into;
}

export function minuteAvg(counts: MinuteCounts): number {
  return counts.samples > 0 ? counts.connectionsSum / counts.samples : 0;
}

const PERIODS: Record<UsagePeriod, { bucketMinutes: number; count: number }> = {
  hour: { bucketMinutes: 1, count: 60 },
  day: { bucketMinutes: 60, count: 24 },
  month: { bucketMinutes: MINUTES_PER_DAY, count: 30 },
};

/**
 * The buckets of one view, aligned to UTC minutes, hours or days (Unix time has no leap seconds, so
 * minute / 60 and minute / 1440 are exact UTC hours and days). The last bucket holds `nowMinute`.
 */
export interface UsageWindow {
  period: UsagePeriod;
  bucketMinutes: number;
  /** Bucket number (minute / bucketMinutes) of the oldest bucket. */
  firstBucket: number;
  count: number;
  /** First minute of the window, inclusive. */
  fromMinute: number;
  /** End of the window, exclusive. */
  toMinute: number;
  nowMinute: number;
}

export function usageWindow(period: UsagePeriod, nowMs: number): UsageWindow {
  const { bucketMinutes, count } = PERIODS[period];
  const nowMinute = minuteOf(nowMs);
  const lastBucket = Math.floor(nowMinute / bucketMinutes);
  const firstBucket = lastBucket - count + 1;
  return {
    period,
    bucketMinutes,
    firstBucket,
    count,
    fromMinute: firstBucket * bucketMinutes,
    toMinute: (lastBucket + 1) * bucketMinutes,
    nowMinute,
  };
}

export function bucketOf(window: UsageWindow, minute: number): number {
  return Math.floor(minute / window.bucketMinutes);
}

/** Minutes of the current UTC day: [from, to). */
export function dayOf(nowMs: number): { fromMinute: number; toMinute: number } {
  const fromMinute = Math.floor(minuteOf(nowMs) / MINUTES_PER_DAY) * MINUTES_PER_DAY;
  return { fromMinute, toMinute: fromMinute + MINUTES_PER_DAY };
}

/** One bucket while its minutes are folded in; `minuteAvgSum` becomes connectionsAvg at the end. */
export interface BucketTotals {
  connectionsPeak: number;
  minuteAvgSum: number;
  apiMessages: number;
  clientMessages: number;
  delivered: number;
}

export function emptyTotals(): BucketTotals {
  return { connectionsPeak: 0, minuteAvgSum: 0, apiMessages: 0, clientMessages: 0, delivered: 0 };
}

export function addMinute(totals: BucketTotals, minute: MinuteCounts): void {
  replaceMinute(totals, emptyCounts(), minute);
}

/**
 * Replaces a minute already folded into `totals` (`before`) by its newer value (`after`, which only
 * grows: the unflushed counts merged in). Lets the stored aggregate be corrected minute by minute.
 */
export function replaceMinute(totals: BucketTotals, before: MinuteCounts, after: MinuteCounts): void {
  totals.connectionsPeak = Math.max(totals.connectionsPeak, after.connectionsPeak);
  totals.minuteAvgSum += minuteAvg(after) - minuteAvg(before);
  totals.apiMessages += after.apiMessages - before.apiMessages;
  totals.clientMessages += after.clientMessages - before.clientMessages;
  totals.delivered += after.delivered - before.delivered;
}

/** Every bucket of the window, oldest first, the missing ones as zeros. */
export function seriesPoints(window: UsageWindow, totals: ReadonlyMap<number, BucketTotals>): UsagePoint[] {
  const points: UsagePoint[] = [];
  for (let i = 0; i < window.count; i++) {
    const bucket = window.firstBucket + i;
    const start = bucket * window.bucketMinutes;
    const t = totals.get(bucket) ?? emptyTotals();
    const elapsed = Math.min(window.bucketMinutes, Math.max(1, window.nowMinute - start + 1));
    points.push({
      t: start * 60,
      connectionsPeak: t.connectionsPeak,
      connectionsAvg: round2(t.minuteAvgSum / elapsed),
      apiMessages: t.apiMessages,
      clientMessages: t.clientMessages,
      delivered: t.delivered,
      partial: start + window.bucketMinutes > window.nowMinute,
    });
  }
  return points;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
