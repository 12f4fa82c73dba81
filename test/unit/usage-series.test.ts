/**
 * What UsageRecorder's series() and today() read back, with and without counts still in memory
 * (the fixture: usage-fixture.ts).
 */
import { describe, expect, test } from "bun:test";
import { cleanUpAfterEach, MIN0, setup, T0 } from "./usage-fixture";

cleanUpAfterEach();

describe("series", () => {
  test("hour: 60 minute points, gaps as zeros, flushed and unflushed counts of one minute merged", async () => {
    const { api, usage, live, clock } = setup();
    live.set("a", 10);
    usage.sample(); // 12:30:05 10
    api("a", 10);
    await usage.flush();
    clock.advance(10_000);
    live.set("a", 20);
    usage.sample(); // 12:30:15 20, not flushed
    api("a", 20);
    api("other", 99);
    const s = (await usage.series("a", "hour"));
    expect(s.period).toBe("hour");
    expect(s.bucketSeconds).toBe(60);
    expect(s.points).toHaveLength(60);
    expect(s.points.at(-1)).toEqual({ t: MIN0 * 60, connectionsPeak: 20, connectionsAvg: 15, apiMessages: 2, clientMessages: 0, delivered: 30, partial: true });
    for (const p of s.points.slice(0, -1)) expect(p).toMatchObject({ connectionsPeak: 0, apiMessages: 0, delivered: 0 });
    await usage.flush(); // the same numbers once everything is stored
    expect((await usage.series("a", "hour"))).toEqual(s);
  });

  test("unflushed counts in a minute that has no row yet", async () => {
    const { api, usage } = setup();
    api("a", 4);
    expect((await usage.series("a", "hour")).points.at(-1)).toMatchObject({ apiMessages: 1, delivered: 4 });
  });

  test("day: hour buckets; the average spreads a busy minute over the hour", async () => {
    const { api, usage, live, clock } = setup();
    clock.ms = Date.UTC(2024, 0, 15, 10, 15); // an hour earlier in the day
    live.set("a", 60);
    usage.sample();
    api("a", 60);
    await usage.flush();
    clock.ms = Date.UTC(2024, 0, 15, 10, 45);
    api("a", 1);
    clock.ms = T0;
    const s = (await usage.series("a", "day"));
    expect(s.bucketSeconds).toBe(3600);
    expect(s.points).toHaveLength(24);
    expect(s.points.at(-3)).toEqual({
      t: Date.UTC(2024, 0, 15, 10) / 1000,
      connectionsPeak: 60,
      connectionsAvg: 1,
      apiMessages: 2,
      clientMessages: 0,
      delivered: 61,
      partial: false,
    });
    expect(s.points.at(-1)).toMatchObject({ t: Date.UTC(2024, 0, 15, 12) / 1000, apiMessages: 0 });
  });

  test("month: 30 day buckets; days outside the window are left out", async () => {
    const { api, usage, clock } = setup();
    clock.ms = Date.UTC(2023, 11, 16, 23, 59); // one day before the window
    api("a", 1000);
    clock.ms = Date.UTC(2023, 11, 17, 0, 0);
    api("a", 7);
    await usage.flush();
    clock.ms = Date.UTC(2024, 0, 14, 8);
    api("a", 3);
    clock.ms = T0;
    const s = (await usage.series("a", "month"));
    expect(s.bucketSeconds).toBe(86_400);
    expect(s.points).toHaveLength(30);
    expect(s.points[0]).toMatchObject({ t: Date.UTC(2023, 11, 17) / 1000, delivered: 7 });
    expect(s.points.at(-2)).toMatchObject({ t: Date.UTC(2024, 0, 14) / 1000, delivered: 3 });
    expect(s.points.reduce((sum, p) => sum + p.delivered, 0)).toBe(10);
  });
});


describe("today", () => {
  test("counts like Pusher: messages published plus delivered, of the apps since 00:00 UTC, stored and unflushed", async () => {
    const { api, client, usage, clock } = setup();
    clock.ms = Date.UTC(2024, 0, 14, 23, 59, 59);
    api("a", 1000); // yesterday
    clock.ms = Date.UTC(2024, 0, 15, 0, 0, 0);
    api("a", 5);
    api("b", 7);
    api("c", 11); // not asked for
    await usage.flush();
    clock.ms = T0;
    client("b");
    // a: 1 published, 5 delivered; b: 1 API event (7 delivered) and 1 client event (1 delivered) published.
    expect((await usage.today(["a", "b"]))).toEqual({ messages: 16, published: 3, delivered: 13, connectionsPeak: 0 });
    expect((await usage.today(["a", "a"]))).toEqual({ messages: 6, published: 1, delivered: 5, connectionsPeak: 0 });
    expect((await usage.today([]))).toEqual({ messages: 0, published: 0, delivered: 0, connectionsPeak: 0 });
  });

  test("the peak is the largest per-minute sum over the apps, unflushed samples included", async () => {
    const { usage, live, clock } = setup();
    live.set("a", 10);
    live.set("b", 5);
    usage.sample(); // 12:30: 15 together
    await usage.flush();
    clock.advance(60_000);
    live.set("a", 12);
    live.set("b", 0);
    usage.sample(); // 12:31: 12 together
    await usage.flush();
    expect((await usage.today(["a", "b"])).connectionsPeak).toBe(15);
    expect((await usage.today(["a"])).connectionsPeak).toBe(12);
    clock.advance(10_000);
    live.set("b", 6);
    usage.sample(); // 12:31 again, not flushed: b now peaks at 6 beside a's 12
    expect((await usage.today(["a", "b"])).connectionsPeak).toBe(18);
    await usage.flush();
    expect((await usage.today(["a", "b"])).connectionsPeak).toBe(18);
  });
});

