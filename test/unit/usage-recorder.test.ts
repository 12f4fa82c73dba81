/**
 * UsageRecorder over a real migrated database in a temp dir, a fake clock and a real bus: what the
 * bus and the samples add, how flushes add up, the exact peak, and pruning. What series() and today()
 * read back: usage-series.test.ts.
 */
import { describe, expect, jest, test } from "bun:test";
import { LifecycleBus } from "../../src/engine/bus";
import { UsageRecorder } from "../../src/metrics/usage";
import { SqliteDb } from "../../src/store/sqlite";
import { signChannel } from "../../src/protocol/signatures";
import { FakeClock, Harness, makeApp } from "./fakes";
import { cleanUpAfterEach, cleanup, database, MIN0, row, setup, T0 } from "./usage-fixture";

cleanUpAfterEach();

describe("recording and flushing", () => {
  test("api messages add their recipients, client events one delivery each; nothing is written before flush", async () => {
    const { api, client, usage, rows } = setup();
    api("a", 5);
    api("a", 0);
    client("a");
    api("b", 2);
    expect(rows()).toEqual([]);
    await usage.flush();
    expect(rows()).toEqual([
      row("a", MIN0, { api_messages: 2, client_messages: 1, delivered: 6 }),
      row("b", MIN0, { api_messages: 1, delivered: 2 }),
    ]);
    await usage.flush(); // nothing pending: no change
    expect(rows()).toHaveLength(2);
  });

  test("a client event counts its recipients (the channel's subscribers minus the sender)", async () => {
    const { client, usage, rows } = setup();
    client("a", "private-c", 3);
    client("a", "private-empty", 0); // the sender was alone
    await usage.flush();
    expect(rows()).toEqual([row("a", MIN0, { client_messages: 2, delivered: 3 })]);
  });

  test("flushes of one minute add to the row; the peak is the larger one", async () => {
    const { api, usage, live, rows, db } = setup();
    live.set("a", 7);
    usage.sample();
    api("a", 3);
    await usage.flush();
    live.set("a", 4);
    usage.sample();
    api("a", 2);
    await usage.flush();
    expect(rows()).toEqual([row("a", MIN0, { connections_peak: 7, connections_sum: 11, samples: 2, api_messages: 2, delivered: 5 })]);
    // A row written by another process (or before a restart) is added to, not replaced.
    db.query("UPDATE usage_minutes SET api_messages = 100, connections_peak = 9").run();
    api("a", 1);
    live.set("a", 8);
    usage.sample();
    await usage.flush();
    expect(rows()).toEqual([row("a", MIN0, { connections_peak: 9, connections_sum: 19, samples: 3, api_messages: 101, delivered: 6 })]);
  });

  test("counts land in the minute they happened", async () => {
    const { api, usage, clock, rows } = setup();
    api("a", 1);
    clock.advance(60_000);
    api("a", 2);
    await usage.flush();
    expect(rows()).toEqual([row("a", MIN0, { api_messages: 1, delivered: 1 }), row("a", MIN0 + 1, { api_messages: 1, delivered: 2 })]);
  });

  test("a failed flush keeps the counts for the next one", async () => {
    const { api, usage, rows, db } = setup();
    api("a", 3);
    db.exec("CREATE TEMP TRIGGER refuse BEFORE INSERT ON usage_minutes BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    await expect(usage.flush()).rejects.toThrow("disk on fire");
    api("a", 2);
    db.exec("DROP TRIGGER refuse");
    await usage.flush();
    expect(rows()).toEqual([row("a", MIN0, { api_messages: 2, delivered: 5 })]);
  });

  test("stop() flushes and unsubscribes", async () => {
    const { api, usage, rows } = setup();
    api("a", 1);
    await usage.stop();
    expect(rows()).toEqual([row("a", MIN0, { api_messages: 1, delivered: 1 })]);
    api("a", 1);
    await usage.flush();
    expect(rows()).toEqual([row("a", MIN0, { api_messages: 1, delivered: 1 })]);
  });
});

describe("sampling", () => {
  test("idle apps write nothing; the zeros after connections and within a sampled minute are kept", async () => {
    const { usage, live, clock, rows } = setup();
    live.set("idle", 0);
    live.set("a", 3);
    usage.sample(); // 12:30:05 a=3
    clock.advance(10_000);
    live.set("a", 0);
    usage.sample(); // 12:30:15 a=0 after 3: kept
    clock.advance(10_000);
    usage.sample(); // 12:30:25 a=0 in a sampled minute: kept
    clock.advance(40_000);
    usage.sample(); // 12:31:05 a=0 again, new minute: skipped
    live.delete("a");
    live.set("b", 2);
    usage.sample(); // 12:31:05 b=2
    clock.advance(10_000);
    live.delete("b"); // an app no longer listed counts as zero
    usage.sample(); // 12:31:15 b=0 after 2: kept
    await usage.flush();
    expect(rows()).toEqual([
      row("a", MIN0, { connections_peak: 3, connections_sum: 3, samples: 3 }),
      row("b", MIN0 + 1, { connections_peak: 2, connections_sum: 2, samples: 2 }),
    ]);
  });

  test("connections come straight from a real engine's app states", async () => {
    const db = database();
    const h = new Harness([makeApp(), makeApp({ id: "4", key: "k4" })]);
    h.clock.ms = T0;
    const usage = new UsageRecorder({
      db: new SqliteDb(db),
      bus: h.engine.bus,
      clock: h.clock,
      connections: function* () {
        for (const app of h.engine.live.localApps()) yield [app.appId, app.connections] as [string, number];
      },
    });
    usage.start();
    cleanup.unshift(() => usage.stop());
    h.open();
    h.open();
    h.open("k4");
    usage.sample();
    await usage.flush();
    expect(db.query("SELECT app_id, connections_peak FROM usage_minutes ORDER BY app_id").all()).toEqual([
      { app_id: "3", connections_peak: 2 },
      { app_id: "4", connections_peak: 1 },
    ]);
  });
});

test("once started, it samples and flushes every 10 s on its own, and prunes again a day later", async () => {
  jest.useFakeTimers();
  cleanup.push(() => jest.useRealTimers());
  const { usage, live, clock, rows, db } = setup();
  // The timers' writes are asynchronous: a read queues behind them, then the flush's callbacks settle.
  const advance = async (ms: number) => {
    jest.advanceTimersByTime(ms);
    await usage.series("none", "hour");
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  live.set("a", 2);
  await advance(9_999);
  expect(rows()).toEqual([]);
  await advance(1);
  expect(rows()).toEqual([row("a", MIN0, { connections_peak: 2, connections_sum: 2, samples: 1 })]);
  await advance(10_000);
  await advance(10_000);
  expect(rows()).toEqual([row("a", MIN0, { connections_peak: 2, connections_sum: 6, samples: 3 })]);
  db.query("INSERT INTO usage_minutes (app_id, minute) VALUES ('old', ?1)").run(MIN0 - 40 * 1440);
  clock.advance(24 * 3_600_000 - 30_000);
  await advance(10_000); // less than a day since start() pruned: kept
  expect(db.query("SELECT COUNT(*) AS n FROM usage_minutes WHERE app_id = 'old'").get()).toEqual({ n: 1 });
  clock.advance(30_000);
  await advance(10_000);
  expect(db.query("SELECT COUNT(*) AS n FROM usage_minutes WHERE app_id = 'old'").get()).toEqual({ n: 0 });
  await usage.stop();
});

describe("exact peak", () => {
  const connect = (bus: LifecycleBus, appId: string, socketId: string) => bus.emit("connected", { appId, socketId });
  const disconnect = (bus: LifecycleBus, appId: string, socketId: string) => bus.emit("disconnected", { appId, socketId });

  test("11 connections shorter than the sampling interval make a peak of 1, not 0", async () => {
    const { bus, usage, clock } = setup();
    for (let i = 0; i < 11; i++) {
      connect(bus, "a", `1.${i}`);
      clock.advance(500);
      disconnect(bus, "a", `1.${i}`);
    }
    usage.sample(); // nobody connected at sample time
    expect((await usage.today(["a"])).connectionsPeak).toBe(1);
    expect((await usage.series("a", "hour")).points.at(-1)).toMatchObject({ connectionsPeak: 1, connectionsAvg: 0 });
    await usage.flush();
    expect((await usage.today(["a"])).connectionsPeak).toBe(1);
  });

  test("overlapping connections between samples count at their highest; other apps apart", async () => {
    const { bus, usage } = setup();
    connect(bus, "a", "1.1");
    connect(bus, "a", "1.2");
    connect(bus, "b", "2.1");
    connect(bus, "a", "1.3");
    for (const id of ["1.1", "1.2", "1.3"]) disconnect(bus, "a", id);
    connect(bus, "a", "1.4");
    expect((await usage.today(["a"])).connectionsPeak).toBe(3);
    expect((await usage.today(["a", "b"])).connectionsPeak).toBe(4);
  });

  test("a connection still open in a new minute counts there when it leaves before the next sample", async () => {
    const { bus, usage, live, clock } = setup();
    connect(bus, "a", "1.1");
    connect(bus, "a", "1.2");
    live.set("a", 2);
    usage.sample(); // 12:30:05
    clock.ms = (MIN0 + 1) * 60_000 + 1_000; // 12:31:01, before the next sample
    disconnect(bus, "a", "1.1");
    await usage.flush();
    expect((await usage.series("a", "hour")).points.slice(-2).map((p) => p.connectionsPeak)).toEqual([2, 2]);
  });

  test("the count is re-synced with the engine at each sample, so a missed event cannot inflate it", async () => {
    const { bus, usage, live, clock } = setup();
    connect(bus, "a", "1.1");
    connect(bus, "a", "1.2"); // pretend 1.2's disconnect was never seen
    live.set("a", 1);
    usage.sample();
    clock.advance(60_000);
    connect(bus, "a", "1.3");
    expect((await usage.series("a", "hour")).points.at(-1)!.connectionsPeak).toBe(2);
  });
});

test("pruneOlderThan deletes minutes older than the given days, and start() prunes 35 days", async () => {
  const db = database();
  const insert = db.query("INSERT INTO usage_minutes (app_id, minute, api_messages) VALUES (?1, ?2, 1)");
  for (const days of [40, 36, 35, 34, 1]) insert.run("a", MIN0 - days * 1440);
  insert.run("a", MIN0 - 35 * 1440 - 1);
  const usage = new UsageRecorder({ db: new SqliteDb(db), bus: new LifecycleBus(), clock: new FakeClock(T0), connections: () => [] });
  usage.start();
  await usage.stop();
  const left = () => (db.query("SELECT minute FROM usage_minutes ORDER BY minute").all() as { minute: number }[]).map((r) => (MIN0 - r.minute) / 1440);
  expect(left()).toEqual([35, 34, 1]);
  expect(await usage.pruneOlderThan(2)).toBe(2);
  expect(left()).toEqual([1]);
});

test("client events through a real engine count the subscribers that received them", async () => {
  const db = database();
  const h = new Harness([makeApp({ clientEvents: true })]);
  h.clock.ms = T0;
  const usage = new UsageRecorder({
    db: new SqliteDb(db),
    bus: h.engine.bus,
    clock: h.clock,
    connections: () => [],
  });
  usage.start();
  cleanup.unshift(() => usage.stop());
  const sockets = [h.open(), h.open(), h.open()];
  for (const { session } of sockets) {
    const auth = signChannel("278d425bdf160c739803", "7ad3773142a6692b25b8", session.socketId, "private-room");
    h.send(session, { event: "pusher:subscribe", data: { channel: "private-room", auth } });
  }
  h.send(sockets[0]!.session, { event: "client-hi", channel: "private-room", data: {} });
  h.engine.publish(makeApp(), { channels: ["private-room"], event: "e", data: "{}" });
  expect(sockets[1]!.conn.events("client-hi")).toHaveLength(1);
  expect((await usage.series("3", "hour")).points.at(-1)).toMatchObject({ apiMessages: 1, clientMessages: 1, delivered: 5 });
});
