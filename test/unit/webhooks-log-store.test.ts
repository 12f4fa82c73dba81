/**
 * The delivery log's SQL on both stores: newest first, by endpoint, byId with its events, and pruning
 * by age, by a count per app, and of apps that no longer exist.
 */
import { expect, test } from "bun:test";
import { DeliveryLogStore, type NewLogEntry } from "../../src/webhooks/log-store";
import { describeStores } from "../support/postgres";

const T = 1_700_000_000_000;

describeStores("webhook delivery log", (fresh) => {
  test("entries newest first, filtered by endpoint; byId answers the events; prune by age, count per app and deleted apps", async () => {
    const { db } = await fresh();
    const stamp = new Date(T).toISOString();
    for (const id of ["a1", "a2", "a3"]) await db.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", [id, id, stamp, stamp]);
    const log = new DeliveryLogStore(db);
    const entry = (appId: string, atMs: number, endpointId = "e1"): NewLogEntry => ({
      appId,
      endpointId,
      url: "http://x/",
      atMs,
      kind: "delivery",
      outcome: "delivered",
      eventTypes: ["channel_occupied", "member_added"],
      eventCount: 2,
      attempt: 1,
      status: 200,
      latencyMs: 12,
      error: null,
      events: '[{"name":"channel_occupied","channel":"c"}]',
    });
    const old = await log.insert(entry("a1", T - 10_000));
    const ids: number[] = [];
    const id = (i: number) => ids[i]!;
    for (let i = 0; i < 4; i++) ids.push(await log.insert(entry("a1", T + i, i % 2 === 0 ? "e1" : "e2")));
    await log.insert(entry("a2", T));
    await log.insert(entry("a3", T));
    expect((await log.forApp("a1", { limit: 3 })).map((e) => e.id)).toEqual([id(3), id(2), id(1)]);
    expect((await log.forApp("a1", { limit: 10, endpointId: "e2" })).map((e) => e.id)).toEqual([id(3), id(1)]);
    const found = await log.byId(ids[0]!);
    expect(found?.entry).toEqual({
      id: ids[0]!,
      appId: "a1",
      endpointId: "e1",
      url: "http://x/",
      time: new Date(T).toISOString(),
      kind: "delivery",
      outcome: "delivered",
      eventTypes: ["channel_occupied", "member_added"],
      eventCount: 2,
      attempt: 1,
      status: 200,
      latencyMs: 12,
      error: null,
    });
    expect(found?.events).toEqual([{ name: "channel_occupied", channel: "c" }]);
    expect(await log.byId(999_999)).toBeUndefined();

    await db.run("DELETE FROM apps WHERE id = ?", ["a3"]);
    // The old one by age, the two oldest of a1 beyond 2 per app, a3's as an orphan.
    expect(await log.prune(T - 1000, 2)).toBe(4);
    expect((await log.forApp("a1", { limit: 10 })).map((e) => e.id)).toEqual([id(3), id(2)]);
    expect((await log.forApp("a2", { limit: 10 })).length).toBe(1);
    expect(await log.byId(old)).toBeUndefined();
  });
});
