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
 *
 * The store answers asynchronously (SQLite or PostgreSQL, store/db.ts) and may be unreachable for a
 * while: a flush that fails keeps its counts in memory and the next one adds them again, for up to
 * MAX_KEPT_MINUTES; older minutes are then dropped, with one log line per outage.
 */
import type { LifecycleBus } from "../engine/bus";
import type { Db } from "../store/db";
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
  db: Db;
  bus: LifecycleBus;
  /** Connections per app on this node now; apps left out count as zero. */
  connections: () => Iterable<[appId: string, count: number]>;
  clock: Clock;
}

export const SAMPLE_INTERVAL_MS = 10_000;
/** Minute rows are kept this long: a 30-day chart plus a few days' margin. */
export const RETENTION_DAYS = 35;
const PRUNE_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** Unwritten minutes are kept this long through failing flushes: memory stays bounded in a long outage. */
export const MAX_KEPT_MINUTES = 3 * 60;

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
  /**
   * Flushes, and reads that add the unflushed counts to the stored ones, run one at a time: a read
   * between a flush's taking of the counts and its commit would miss them, or count them twice.
   */
  private queue: Promise<unknown> = Promise.resolve();
  /** A timer's flush still waiting for the store; the next tick does not pile another one on it. */
  private flushing = false;
  /** The last flush failed (logged once until one succeeds again). */
  private failing = false;
  /** Minutes were dropped since the last successful flush (logged once). */
  private dropped = false;

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
      // Queued behind a flush in progress, whose counts would otherwise land after the delete (or be
      // put back in memory by a failed one).
      bus.on("app_removed", (e) => {
        const forget = () => {
          this.pending.delete(e.appId);
          this.lastSample.delete(e.appId);
          this.open.delete(e.appId);
        };
        forget();
        this.exclusive(async () => {
          forget();
          await this.store.deleteApp(e.appId);
        }).catch((err) => console.error(`mawjly: the usage rows of removed app ${e.appId} could not be deleted:`, err));
      }),
    ];
    this.timer = setInterval(() => this.tick(), SAMPLE_INTERVAL_MS);
    this.timer.unref?.(); // the rollup alone must not keep a process (a test, the CLI) alive
    this.pruneIfDue();
  }

  /** Stops sampling and writes what is still in memory (after any write in progress). Call before closing the store. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const off of this.unsubscribe.splice(0)) off();
    try {
      await this.flush();
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
   * Adds the counts in memory to usage_minutes in one transaction. On failure (the store unavailable,
   * SQLite locked for longer than busy_timeout) they are kept for the next flush and the error is thrown.
   */
  flush(): Promise<void> {
    return this.exclusive(async () => {
      if (this.pending.size === 0) return;
      const rows: MinuteRow[] = [];
      for (const [appId, minutes] of this.pending) for (const [minute, counts] of minutes) rows.push({ appId, minute, counts });
      this.pending = new Map();
      try {
        await this.store.add(rows);
      } catch (err) {
        this.keep(rows);
        throw err;
      }
      this.dropped = false;
    });
  }

  /** Puts the rows of a failed flush back into memory, but for the minutes too old to keep any longer. */
  private keep(rows: readonly MinuteRow[]): void {
    const oldest = minuteOf(this.deps.clock.now()) - MAX_KEPT_MINUTES;
    let dropped = 0;
    for (const row of rows) {
      if (row.minute < oldest) dropped += 1;
      else mergeCounts(this.counts(row.appId, row.minute), row.counts);
    }
    if (dropped === 0 || this.dropped) return;
    this.dropped = true;
    console.error(
      `mawjly: the usage store has refused writes for ${MAX_KEPT_MINUTES} minutes; usage counts older than that are dropped until it accepts them again`,
    );
  }

  /** One app's chart: 60 minutes, 24 hours or 30 days, the current bucket last, gaps as zeros. */
  series(appId: string, period: UsagePeriod): Promise<UsageSeries> {
    return this.exclusive(async () => {
      const window = usageWindow(period, this.deps.clock.now());
      const totals = await this.store.buckets(appId, window.fromMinute, window.toMinute, window.bucketMinutes);
      for (const [minute, unflushed] of [...(this.pending.get(appId) ?? [])]) {
        if (minute < window.fromMinute || minute >= window.toMinute) continue;
        const bucket = bucketOf(window, minute);
        const stored = await this.store.minute(appId, minute);
        let total = totals.get(bucket);
        if (total === undefined) totals.set(bucket, (total = emptyTotals()));
        replaceMinute(total, stored, mergeCounts({ ...stored }, unflushed));
      }
      return { period, bucketSeconds: window.bucketMinutes * 60, points: seriesPoints(window, totals) };
    });
  }

  /**
   * Messages since 00:00 UTC (published, delivered, and their sum, which is Pusher's count) and the
   * day's peak of concurrent connections, over several apps (an account's). The peak is the largest
   * per-minute sum of the apps' peaks: apps peaking in the same minute add up, apps peaking hours
   * apart do not.
   */
  async today(appIds: string[]): Promise<UsageToday> {
    if (appIds.length === 0) return { messages: 0, published: 0, delivered: 0, connectionsPeak: 0 };
    return this.exclusive(async () => {
      const { fromMinute, toMinute } = dayOf(this.deps.clock.now());
      const day = await this.store.day(appIds, fromMinute, toMinute);
      const peaks = day.peaks;
      let { published, delivered } = day;
      for (const appId of new Set(appIds)) {
        for (const [minute, unflushed] of [...(this.pending.get(appId) ?? [])]) {
          if (minute < fromMinute || minute >= toMinute) continue;
          published += unflushed.apiMessages + unflushed.clientMessages;
          delivered += unflushed.delivered;
          const stored = (await this.store.minute(appId, minute)).connectionsPeak;
          peaks.set(minute, (peaks.get(minute) ?? 0) + Math.max(0, unflushed.connectionsPeak - stored));
        }
      }
      let connectionsPeak = 0;
      for (const peak of peaks.values()) connectionsPeak = Math.max(connectionsPeak, peak);
      return { messages: published + delivered, published, delivered, connectionsPeak };
    });
  }

  /** Deletes minute rows older than `days` days; returns how many. */
  pruneOlderThan(days: number): Promise<number> {
    return this.exclusive(() => this.store.deleteBefore(minuteOf(this.deps.clock.now()) - days * MINUTES_PER_DAY));
  }

  /** Samples, then flushes unless the last flush is still waiting for the store. Failures are logged once per streak. */
  private tick(): void {
    this.sample();
    if (!this.flushing) {
      this.flushing = true;
      this.flush()
        .then(
          () => {
            if (this.failing) console.error("mawjly: usage flush succeeded again; the counts kept in memory are saved");
            this.failing = false;
          },
          (err) => {
            if (!this.failing) console.error("mawjly: usage flush failed; the counts are kept for the next try:", err);
            this.failing = true;
          },
        )
        .finally(() => (this.flushing = false));
    }
    this.pruneIfDue();
  }

  private pruneIfDue(): void {
    const now = this.deps.clock.now();
    if (now - this.lastPruneMs < PRUNE_INTERVAL_MS) return;
    this.lastPruneMs = now;
    this.pruneOlderThan(RETENTION_DAYS).catch((err) => console.error("mawjly: pruning old usage rows failed; retrying tomorrow:", err));
  }

  /** Runs `fn` after everything queued before it (see `queue`). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
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
