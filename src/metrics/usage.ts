/**
 * Usage rollups (ARCHITECTURE.md "metrics/"): messages from the lifecycle bus and connection samples
 * every 10 s go into per-app per-minute buckets in memory, which are added to usage_minutes every
 * 10 s and on stop. The dashboard's charts and the account's "today" read the table plus whatever is
 * still in memory, so a message shows up at once rather than after the next flush.
 *
 * The peak is exact, not sampled: every connect and disconnect raises the minute's peak to the number
 * of connections open at that moment (a count kept from the bus and re-synced with the engine at each
 * sample), so connections shorter than the 10 s sampling interval are in it. The samples still give
 * the averages, and the peak of minutes without any connect or disconnect.
 */
import type { Database } from "bun:sqlite";
import type { LifecycleBus } from "../engine/bus";
import type { Clock } from "../engine/ports";
import {
  addSample,
  bucketOf,
  dayOf,
  emptyCounts,
  emptyTotals,
  MINUTES_PER_DAY,
  mergeCounts,
  minuteOf,
  notePeak,
  replaceMinute,
  seriesPoints,
  usageWindow,
  type MinuteCounts,
} from "./usage-buckets";
import type { UsagePeriod, UsageSeries, UsageToday } from "./usage-schema";
import { UsageStore, type MinuteRow } from "./usage-store";

export interface UsageRecorderDeps {
  db: Database;
  bus: LifecycleBus;
  /** Connections per app on this node now; apps left out count as zero. */
  connections: () => Iterable<[appId: string, count: number]>;
  clock: Clock;
}

export const SAMPLE_INTERVAL_MS = 10_000;
/** Minute rows are kept this long: a 30-day chart plus a few days' margin. */
export const RETENTION_DAYS = 35;
const PRUNE_INTERVAL_MS = 24 * 60 * 60 * 1000;

export class UsageRecorder {
  private readonly store: UsageStore;
  /** Counts not yet in the table: app id → minute → counts. */
  private pending = new Map<string, Map<number, MinuteCounts>>();
  /** Last sample of every app that had connections lately; decides which zero samples to record. */
  private readonly lastSample = new Map<string, { minute: number; count: number }>();
  /** Connections open now per app, from the bus, for the exact peak. */
  private readonly open = new Map<string, number>();
  private unsubscribe: Array<() => void> = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: UsageRecorderDeps) {
    this.store = new UsageStore(deps.db);
  }

  /** Subscribes to the bus, then samples and flushes every 10 s and prunes old rows once a day. */
  start(): void {
    if (this.timer !== undefined) return;
    const { bus } = this.deps;
    this.unsubscribe = [
      bus.on("connected", (e) => {
        const open = (this.open.get(e.appId) ?? 0) + 1;
        this.open.set(e.appId, open);
        notePeak(this.current(e.appId), open);
      }),
      // The one leaving was still open in this minute: a minute entered with connections already open
      // and left by a disconnect before the next sample gets its peak from here.
      bus.on("disconnected", (e) => {
        const open = this.open.get(e.appId) ?? 0;
        if (open === 0) return; // opened before this recorder started; the samples know about it
        notePeak(this.current(e.appId), open);
        if (open === 1) this.open.delete(e.appId);
        else this.open.set(e.appId, open - 1);
      }),
      bus.on("api_message", (e) => {
        const counts = this.current(e.appId);
        counts.apiMessages += 1;
        counts.delivered += e.recipients;
      }),
      bus.on("client_event", (e) => {
        const counts = this.current(e.appId);
        counts.clientMessages += 1;
        counts.delivered += e.recipients;
      }),
      // A deleted app's history goes with it: a later app that draws the same random id starts clean.
      bus.on("app_removed", (e) => {
        this.pending.delete(e.appId);
        this.lastSample.delete(e.appId);
        this.open.delete(e.appId);
        this.deps.db.query("DELETE FROM usage_minutes WHERE app_id = ?").run(e.appId);
      }),
    ];
    this.timer = setInterval(() => this.tick(), SAMPLE_INTERVAL_MS);
    this.timer.unref?.(); // the rollup alone must not keep a process (a test, the CLI) alive
    this.pruneIfDue();
  }

  /** Stops sampling and writes what is still in memory. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const off of this.unsubscribe.splice(0)) off();
    try {
      this.flush();
    } catch (err) {
      console.error("mawjly: usage of the last seconds could not be saved on shutdown:", err);
    }
  }

  /**
   * Records one connection count per app into the current minute. Idle apps are skipped so that the
   * table grows with activity, not with the number of apps; the zero samples right after an app had
   * connections, and within a minute that already has samples, are kept so that averages stay true.
   */
  sample(): void {
    const minute = minuteOf(this.deps.clock.now());
    const seen = new Set<string>();
    for (const [appId, count] of this.deps.connections()) {
      seen.add(appId);
      this.sampleApp(appId, minute, count);
    }
    for (const appId of [...this.lastSample.keys()]) if (!seen.has(appId)) this.sampleApp(appId, minute, 0);
  }

  private sampleApp(appId: string, minute: number, count: number): void {
    // The engine's count is the truth; the bus count only fills in between samples.
    if (count > 0) this.open.set(appId, count);
    else this.open.delete(appId);
    const last = this.lastSample.get(appId);
    if (count === 0 && (last === undefined || (last.count === 0 && last.minute !== minute))) {
      this.lastSample.delete(appId);
      return;
    }
    addSample(this.counts(appId, minute), count);
    this.lastSample.set(appId, { minute, count });
  }

  /**
   * Adds the counts in memory to usage_minutes in one transaction. On failure (e.g. the database is
   * locked for longer than busy_timeout) they are kept for the next flush and the error is thrown.
   */
  flush(): void {
    if (this.pending.size === 0) return;
    const rows: MinuteRow[] = [];
    for (const [appId, minutes] of this.pending) for (const [minute, counts] of minutes) rows.push({ appId, minute, counts });
    this.pending = new Map();
    try {
      this.store.add(rows);
    } catch (err) {
      for (const row of rows) mergeCounts(this.counts(row.appId, row.minute), row.counts);
      throw err;
    }
  }

  /** One app's chart: 60 minutes, 24 hours or 30 days, the current bucket last, gaps as zeros. */
  series(appId: string, period: UsagePeriod): UsageSeries {
    const window = usageWindow(period, this.deps.clock.now());
    const totals = this.store.buckets(appId, window.fromMinute, window.toMinute, window.bucketMinutes);
    for (const [minute, unflushed] of this.pending.get(appId) ?? []) {
      if (minute < window.fromMinute || minute >= window.toMinute) continue;
      const bucket = bucketOf(window, minute);
      const stored = this.store.minute(appId, minute);
      let total = totals.get(bucket);
      if (total === undefined) totals.set(bucket, (total = emptyTotals()));
      replaceMinute(total, stored, mergeCounts({ ...stored }, unflushed));
    }
    return { period, bucketSeconds: window.bucketMinutes * 60, points: seriesPoints(window, totals) };
  }

  /**
   * Messages since 00:00 UTC (published, delivered, and their sum, which is Pusher's count) and the
   * day's peak of concurrent connections, over several apps (an account's). The peak is the largest
   * per-minute sum of the apps' peaks: apps peaking in the same minute add up, apps peaking hours
   * apart do not.
   */
  today(appIds: string[]): UsageToday {
    if (appIds.length === 0) return { messages: 0, published: 0, delivered: 0, connectionsPeak: 0 };
    const { fromMinute, toMinute } = dayOf(this.deps.clock.now());
    const day = this.store.day(appIds, fromMinute, toMinute);
    const peaks = day.peaks;
    let { published, delivered } = day;
    for (const appId of new Set(appIds)) {
      for (const [minute, unflushed] of this.pending.get(appId) ?? []) {
        if (minute < fromMinute || minute >= toMinute) continue;
        published += unflushed.apiMessages + unflushed.clientMessages;
        delivered += unflushed.delivered;
        const stored = this.store.minute(appId, minute).connectionsPeak;
        peaks.set(minute, (peaks.get(minute) ?? 0) + Math.max(0, unflushed.connectionsPeak - stored));
      }
    }
    let connectionsPeak = 0;
    for (const peak of peaks.values()) connectionsPeak = Math.max(connectionsPeak, peak);
    return { messages: published + delivered, published, delivered, connectionsPeak };
  }

  /** Deletes minute rows older than `days` days; returns how many. */
  pruneOlderThan(days: number): number {
    return this.store.deleteBefore(minuteOf(this.deps.clock.now()) - days * MINUTES_PER_DAY);
  }

  private tick(): void {
    this.sample();
    try {
      this.flush();
    } catch (err) {
      console.error("mawjly: usage flush failed; the counts are kept for the next try:", err);
    }
    this.pruneIfDue();
  }

  private pruneIfDue(): void {
    const now = this.deps.clock.now();
    if (now - this.lastPruneMs < PRUNE_INTERVAL_MS) return;
    this.lastPruneMs = now;
    try {
      this.pruneOlderThan(RETENTION_DAYS);
    } catch (err) {
      console.error("mawjly: pruning old usage rows failed; retrying tomorrow:", err);
    }
  }

  private current(appId: string): MinuteCounts {
    return this.counts(appId, minuteOf(this.deps.clock.now()));
  }

  private counts(appId: string, minute: number): MinuteCounts {
    let minutes = this.pending.get(appId);
    if (minutes === undefined) this.pending.set(appId, (minutes = new Map()));
    let counts = minutes.get(minute);
    if (counts === undefined) minutes.set(minute, (counts = emptyCounts()));
    return counts;
  }
}
