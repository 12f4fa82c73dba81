/**
 * UsageRecorder against a store that goes away or answers slowly: counts of failed flushes come back
 * at the next one (only for MAX_KEPT_MINUTES, then dropped with one log line), reads never miss or
 * double the counts of a flush in progress, the timer does not pile flushes on a slow store, and
 * stop() waits for the last write.
 */
import { afterEach, expect, jest, spyOn, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LifecycleBus } from "../../src/engine/bus";
import { MAX_KEPT_MINUTES, SAMPLE_INTERVAL_MS, UsageRecorder } from "../../src/metrics/usage";
import { openDatabase } from "../../src/store/database";
import { StoreUnavailable, type Db, type Param } from "../../src/store/db";
import { SqliteDb } from "../../src/store/sqlite";
import { FakeClock } from "./fakes";

const T0 = Date.UTC(2024, 0, 15, 12, 30, 5);
const MIN0 = Math.floor(T0 / 60_000);

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

/**
 * The port over a real database, with a switch that makes it unreachable (every statement throws
 * StoreUnavailable, as the PostgreSQL executor does when the server is down) and a gate that holds
 * transactions until opened (a slow store).
 */
class Unsteady implements Db {
  readonly dialect = "sqlite" as const;
  down = false;
  /** Transactions still to refuse (StoreUnavailable) while other statements go through. */
  refuseTransactions = 0;
  gate: Promise<void> | undefined;
  transactions = 0;
  constructor(private readonly inner: Db) {}
  private check(): void {
    if (this.down) throw new StoreUnavailable("connection refused");
  }
  async all<T>(sql: string, params?: readonly Param[]) {
    this.check();
    return this.inner.all<T>(sql, params);
  }
  async get<T>(sql: string, params?: readonly Param[]) {
    this.check();
    return this.inner.get<T>(sql, params);
  }
  async run(sql: string, params?: readonly Param[]) {
    this.check();
    return this.inner.run(sql, params);
  }
  async exec(sql: string) {
    this.check();
    return this.inner.exec(sql);
  }
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.transactions += 1;
    await this.gate;
    this.check();
    if (this.refuseTransactions > 0) {
      this.refuseTransactions -= 1;
      throw new StoreUnavailable("connection reset");
    }
    return this.inner.transaction(fn);
  }
  close() {
    return this.inner.close();
  }
}

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-usage-outage-"));
  const db = openDatabase(dir);
  const store = new Unsteady(new SqliteDb(db));
  const bus = new LifecycleBus();
  const clock = new FakeClock(T0);
  const usage = new UsageRecorder({ db: store, bus, clock, connections: () => [] });
  usage.start();
  cleanup.unshift(async () => {
    store.down = false;
    store.gate = undefined;
    await usage.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const api = (appId: string, recipients: number) => bus.emit("api_message", { appId, channel: "c", event: "e", data: "{}", recipients });
  const stored = () =>
    db.query("SELECT app_id AS app, minute - ?1 AS m, api_messages AS n, delivered AS d FROM usage_minutes ORDER BY app_id, minute").all(MIN0);
  /** A gate for the store's transactions, and the function that opens it. */
  const hold = () => {
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    return () => {
      store.gate = undefined;
      open();
    };
  };
  /** Resolves once a transaction has started since `since` (a flush took its counts and waits at the gate). */
  const started = async (since: number) => {
    for (let i = 0; i < 100 && store.transactions === since; i++) await Promise.resolve();
    expect(store.transactions).toBe(since + 1);
  };
  await usage.flush(); // after the prune start() queued
  return { db, store, bus, clock, usage, api, stored, hold, started };
}

test("while the store is unavailable the counts stay in memory, readable, and are written once it is back", async () => {
  const { store, usage, api, stored, clock } = await setup();
  api("a", 3);
  store.down = true;
  await expect(usage.flush()).rejects.toBeInstanceOf(StoreUnavailable);
  clock.advance(60_000);
  api("a", 2);
  await expect(usage.flush()).rejects.toBeInstanceOf(StoreUnavailable);
  await expect(usage.today(["a"])).rejects.toBeInstanceOf(StoreUnavailable); // reads fail too; the 503 is the edges' job
  store.down = false;
  expect(await usage.today(["a"])).toMatchObject({ published: 2, delivered: 5 });
  await usage.flush();
  expect(stored()).toEqual([
    { app: "a", m: 0, n: 1, d: 3 },
    { app: "a", m: 1, n: 1, d: 2 },
  ]);
  expect(await usage.today(["a"])).toMatchObject({ published: 2, delivered: 5 });
});

test(`minutes older than ${MAX_KEPT_MINUTES} are dropped after a failed flush, with one log line for the outage`, async () => {
  const { store, usage, api, stored, clock } = await setup();
  const errors = spyOn(console, "error").mockImplementation(() => {});
  cleanup.push(() => errors.mockRestore());
  api("a", 1); // minute 0
  store.down = true;
  await expect(usage.flush()).rejects.toThrow();
  clock.advance(MAX_KEPT_MINUTES * 60_000);
  api("a", 2); // minute MAX_KEPT_MINUTES: minute 0 is still just kept
  await expect(usage.flush()).rejects.toThrow();
  expect(errors).not.toHaveBeenCalled();
  clock.advance(60_000);
  api("a", 4);
  await expect(usage.flush()).rejects.toThrow(); // minute 0 goes
  clock.advance(60_000);
  await expect(usage.flush()).rejects.toThrow(); // minute 1 had nothing; nothing else goes
  clock.advance(MAX_KEPT_MINUTES * 60_000);
  await expect(usage.flush()).rejects.toThrow(); // the rest goes, still no second line
  expect(errors).toHaveBeenCalledTimes(1);
  expect(String(errors.mock.calls[0]![0])).toContain(`refused writes for ${MAX_KEPT_MINUTES} minutes`);
  store.down = false;
  await usage.flush();
  expect(stored()).toEqual([]);
  api("a", 8);
  await usage.flush();
  expect(stored()).toHaveLength(1);
});

test("a read waits for a flush in progress: the counts in flight are neither missed nor counted twice", async () => {
  const { store, usage, api, hold, started, stored } = await setup();
  api("a", 3);
  const release = hold();
  const flushed = usage.flush();
  await started(0);
  const series = usage.series("a", "hour");
  const today = usage.today(["a"]);
  api("a", 4); // during the flush: stays in memory for the next one
  release();
  await flushed;
  expect(stored()).toEqual([{ app: "a", m: 0, n: 1, d: 3 }]);
  expect((await series).points.at(-1)).toMatchObject({ apiMessages: 2, delivered: 7 });
  expect(await today).toMatchObject({ published: 2, delivered: 7 });
});

test("the timer does not start a flush while the last one still waits for the store; stop() waits for it", async () => {
  jest.useFakeTimers();
  cleanup.push(() => jest.useRealTimers());
  const { store, usage, api, hold, started, stored } = await setup();
  api("a", 1);
  const release = hold();
  jest.advanceTimersByTime(SAMPLE_INTERVAL_MS); // a flush starts and waits
  await started(0);
  api("a", 2);
  jest.advanceTimersByTime(3 * SAMPLE_INTERVAL_MS); // none piled on it
  for (let i = 0; i < 20; i++) await Promise.resolve();
  expect(store.transactions).toBe(1);
  const stopped = usage.stop();
  let done = false;
  void stopped.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  expect(done).toBe(false);
  release();
  await stopped;
  expect(store.transactions).toBe(2); // the timer's flush, then stop()'s with what came during it
  expect(stored()).toEqual([{ app: "a", m: 0, n: 2, d: 3 }]);
});

test("a removed app's counts put back by a failed flush are forgotten, and its rows deleted after it", async () => {
  const { store, bus, usage, api, hold, started, stored } = await setup();
  api("gone", 1);
  api("kept", 1);
  await usage.flush();
  api("gone", 5);
  const release = hold();
  const failing = usage.flush();
  await started(1);
  bus.emit("app_removed", { appId: "gone" }); // while the flush holds gone's counts
  store.refuseTransactions = 1;
  release();
  await expect(failing).rejects.toBeInstanceOf(StoreUnavailable);
  await usage.flush();
  expect(stored()).toEqual([{ app: "kept", m: 0, n: 1, d: 1 }]);
  expect((await usage.today(["gone"])).messages).toBe(0);
});
