/**
 * UsageStore on both dialects, with the same fixtures and the same expected figures: adds to one
 * minute add up (the peak by maximum), buckets and day sums come back as numbers with integer bucket
 * keys, a flush of many rows is one transaction, and deletions count their rows. The recorder on top
 * runs over both too, and over a PostgreSQL that stops for a while.
 */
import { describe, expect, test } from "bun:test";
import { LifecycleBus } from "../../src/engine/bus";
import { UsageRecorder } from "../../src/metrics/usage";
import { emptyCounts, type MinuteCounts } from "../../src/metrics/usage-buckets";
import { UsageStore, type MinuteRow } from "../../src/metrics/usage-store";
import { StoreUnavailable } from "../../src/store/db";
import { openStore } from "../../src/store/open";
import { describeStores, usePostgres } from "../support/postgres";
import { FakeClock } from "./fakes";

const M = 28_440_000; // a Unix minute on an hour boundary (and a day boundary: 28_440_000 / 1440 = 19_750)
const counts = (over: Partial<MinuteCounts>): MinuteCounts => ({ ...emptyCounts(), ...over });
const row = (appId: string, minute: number, over: Partial<MinuteCounts>): MinuteRow => ({ appId, minute, counts: counts(over) });

describeStores("UsageStore", (fresh) => {
  const open = async () => {
    const { db } = await fresh();
    return { db, store: new UsageStore(db) };
  };

  test("two flushes of one minute add up; the peak is the larger one", async () => {
    const { store } = await open();
    await store.add([row("a", M, { connectionsPeak: 7, connectionsSum: 7, samples: 1, apiMessages: 1, delivered: 3 })]);
    await store.add([
      row("a", M, { connectionsPeak: 4, connectionsSum: 4, samples: 1, clientMessages: 2, delivered: 2 }),
      row("b", M, { apiMessages: 1 }),
    ]);
    await store.add([row("a", M, { connectionsPeak: 9, connectionsSum: 9, samples: 1 })]);
    expect(await store.minute("a", M)).toEqual(counts({ connectionsPeak: 9, connectionsSum: 20, samples: 3, apiMessages: 1, clientMessages: 2, delivered: 5 }));
    expect(await store.minute("b", M)).toEqual(counts({ apiMessages: 1 }));
    expect(await store.minute("a", M + 1)).toEqual(emptyCounts());
  });

  test("buckets: integer keys, float minute averages, sums as numbers; other apps and minutes left out", async () => {
    const { store } = await open();
    await store.add([
      row("a", M - 1, { apiMessages: 100 }), // before the range
      row("a", M, { connectionsPeak: 3, connectionsSum: 3, samples: 2, apiMessages: 1, delivered: 4 }),
      row("a", M + 59, { connectionsPeak: 5, connectionsSum: 10, samples: 4, clientMessages: 2, delivered: 1 }),
      row("a", M + 60, { connectionsPeak: 1, connectionsSum: 1, samples: 1 }),
      row("a", M + 120, { apiMessages: 100 }), // the end is exclusive
      row("b", M, { apiMessages: 100 }),
    ]);
    const hours = await store.buckets("a", M, M + 120, 60);
    expect([...hours.entries()].sort(([x], [y]) => x - y)).toEqual([
      [M / 60, { connectionsPeak: 5, minuteAvgSum: 4, apiMessages: 1, clientMessages: 2, delivered: 5 }],
      [M / 60 + 1, { connectionsPeak: 1, minuteAvgSum: 1, apiMessages: 0, clientMessages: 0, delivered: 0 }],
    ]);
    const minutes = await store.buckets("a", M, M + 1, 1);
    expect(minutes.get(M)).toEqual({ connectionsPeak: 3, minuteAvgSum: 1.5, apiMessages: 1, clientMessages: 0, delivered: 4 });
    const days = await store.buckets("a", M, M + 1440, 1440);
    expect([...days.keys()]).toEqual([M / 1440]);
    expect(typeof [...days.keys()][0]).toBe("number");
  });

  test("day: per-minute sums of the apps' peaks, messages over the range; only the listed apps", async () => {
    const { store } = await open();
    await store.add([
      row("a", M, { connectionsPeak: 10, apiMessages: 2, delivered: 5 }),
      row("b", M, { connectionsPeak: 5, clientMessages: 1, delivered: 1 }),
      row("a", M + 1, { connectionsPeak: 12 }),
      row("c", M, { connectionsPeak: 99, apiMessages: 99, delivered: 99 }),
      row("a", M + 1440, { apiMessages: 99 }),
    ]);
    const day = await store.day(["a", "b"], M, M + 1440);
    expect({ peaks: [...day.peaks.entries()].sort(([x], [y]) => x - y), published: day.published, delivered: day.delivered }).toEqual({
      peaks: [
        [M, 15],
        [M + 1, 12],
      ],
      published: 3,
      delivered: 6,
    });
    const none = await store.day([], M, M + 1440);
    expect({ peaks: none.peaks.size, published: none.published, delivered: none.delivered }).toEqual({ peaks: 0, published: 0, delivered: 0 });
  });

  test("a flush of many rows is one transaction: all of them, or none when one fails", async () => {
    const { store, db } = await open();
    const rows = Array.from({ length: 450 }, (_, i) => row(`app-${i}`, M, { delivered: i }));
    await store.add(rows);
    expect(await db.get("SELECT COUNT(*) AS n, SUM(delivered) AS d FROM usage_minutes")).toEqual({ n: 450, d: (449 * 450) / 2 });
    const broken = [...rows, row(null as unknown as string, M, {})]; // the last statement violates NOT NULL
    await expect(store.add(broken)).rejects.toThrow();
    expect(await db.get("SELECT COUNT(*) AS n, SUM(delivered) AS d FROM usage_minutes")).toEqual({ n: 450, d: (449 * 450) / 2 });
  });

  test("deleteBefore and deleteApp answer how many rows went", async () => {
    const { store } = await open();
    await store.add([row("a", M - 2, { delivered: 1 }), row("b", M - 1, { delivered: 1 }), row("a", M, { delivered: 1 }), row("b", M, { delivered: 1 })]);
    expect(await store.deleteBefore(M)).toBe(2);
    expect(await store.deleteApp("a")).toBe(1);
    expect(await store.minute("b", M)).toEqual(counts({ delivered: 1 }));
  });

  test("the recorder's series and today over this store", async () => {
    const { db } = await open();
    const bus = new LifecycleBus();
    const clock = new FakeClock(M * 60_000 + 5_000);
    const usage = new UsageRecorder({ db, bus, clock, connections: () => [["a", 4]] });
    usage.start();
    usage.sample();
    bus.emit("api_message", { appId: "a", channel: "c", event: "e", data: "{}", recipients: 3 });
    await usage.flush();
    bus.emit("api_message", { appId: "a", channel: "c", event: "e", data: "{}", recipients: 2 });
    expect(await usage.today(["a"])).toEqual({ messages: 7, published: 2, delivered: 5, connectionsPeak: 4 });
    expect((await usage.series("a", "day")).points.at(-1)).toMatchObject({ connectionsPeak: 4, connectionsAvg: 4, apiMessages: 2, delivered: 5, partial: true });
    await usage.stop();
    expect(await usage.today(["a"])).toEqual({ messages: 7, published: 2, delivered: 5, connectionsPeak: 4 });
  });
});


describe("UsageRecorder over a PostgreSQL that stops and comes back", () => {
  const pg = usePostgres();

  test("the flushes while it is down fail with StoreUnavailable; their counts are written once it is back", async () => {
    const store = await openStore({ dataDir: "unused", databaseUrl: await pg().freshDatabase() });
    try {
      const bus = new LifecycleBus();
      const usage = new UsageRecorder({ db: store.db, bus, clock: new FakeClock(M * 60_000), connections: () => [] });
      usage.start();
      await usage.flush(); // after start()'s prune
      bus.emit("api_message", { appId: "a", channel: "c", event: "e", data: "{}", recipients: 3 });
      await pg().pause();
      await expect(usage.flush()).rejects.toBeInstanceOf(StoreUnavailable);
      bus.emit("api_message", { appId: "a", channel: "c", event: "e", data: "{}", recipients: 2 });
      await expect(usage.flush()).rejects.toBeInstanceOf(StoreUnavailable);
      await pg().resume();
      await usage.flush();
      expect(await new UsageStore(store.db).minute("a", M)).toEqual(counts({ apiMessages: 2, delivered: 5 }));
      await usage.stop();
    } finally {
      await store.close();
    }
  });
});
