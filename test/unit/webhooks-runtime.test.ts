/**
 * startWebhooks over a real migrated database, a real bus and a scripted sender: one commit per tick,
 * cancellation before and after the commit, holds surviving a restart, the outbox bound, expiry of
 * an endpoint's backlog, and the webhook_sent / webhook_failed bus events.
 */
import { afterEach, beforeEach, describe, expect, jest, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LifecycleBus, type LifecycleEvents } from "../../src/engine/bus";
import { systemClock } from "../../src/engine/ports";
import { openDatabase } from "../../src/store/database";
import type { Db } from "../../src/store/db";
import { openStore } from "../../src/store/open";
import { SqliteDb } from "../../src/store/sqlite";
import type { WebhookConfig } from "../../src/webhooks/config";
import { startWebhooks, type Webhooks } from "../../src/webhooks";
import { EndpointStore } from "../../src/webhooks/endpoint-store";
import type { SendResult, WebhookSender } from "../../src/webhooks/sender";
import { usePostgres } from "../support/postgres";
import { until } from "../support/wait";
import { makeApp, MemoryAppDirectory } from "./fakes";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

/** Each test runs on both stores: a migrated SQLite file, and a new PostgreSQL database. */
const pg = usePostgres();
const DIALECTS: Record<string, () => Promise<Db>> = {
  sqlite: async () => {
    const dir = mkdtempSync(join(tmpdir(), "mawjly-wh-runtime-"));
    const db = new SqliteDb(openDatabase(dir));
    cleanup.push(async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return db;
  },
  postgres: async () => {
    const store = await openStore({ dataDir: "(unused)", databaseUrl: await pg().freshDatabase() });
    cleanup.push(() => store.close());
    return store.db;
  },
};
let openDb: () => Promise<Db>;
let dialect: string;

interface Sent {
  body: string;
  resolve: (r: SendResult) => void;
}

/** A database with one app and one endpoint, plus a sender whose answers the test controls. */
async function setup(config: Partial<WebhookConfig> = {}, endpoint: { events?: string[]; batch?: boolean } = {}) {
  const db = await openDb();
  const stamp = new Date().toISOString();
  await db.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", ["3", "test app", stamp, stamp]);
  const apps = new MemoryAppDirectory([makeApp()]);
  const bus = new LifecycleBus();
  const sent: Sent[] = [];
  let auto: SendResult | undefined;
  const send: WebhookSender = (_url, _headers, body) =>
    new Promise((resolve) => {
      if (auto !== undefined) return resolve(auto);
      sent.push({ body, resolve });
    });
  const running: Webhooks[] = [];
  const start = async () => {
    const w = await startWebhooks({ db, bus, apps, clock: systemClock, send, config: { pollMs: 50, backoffMs: 10, backoffMaxMs: 20, ...config } });
    running.push(w);
    return w;
  };
  const first = await start();
  const id = (await first.service.add("3", { url: "http://receiver.invalid/", ...endpoint })).id;
  // Before the database closes (registered earlier, so it runs later).
  cleanup.unshift(async () => {
    auto = { ok: true, status: 200, latencyMs: 0, error: null };
    for (const s of sent) s.resolve(auto);
    for (const w of running) await w.stop();
  });
  const rows = () => db.all<{ type: string; channel: string; attempts: number }>("SELECT type, channel, attempts FROM webhook_outbox ORDER BY seq");
  /**
   * The end of the tick, and the commit the tick writer starts there: on SQLite that commit is done
   * within the tick; PostgreSQL answers over the network, so there we also wait for it to finish.
   */
  const tick = async () => {
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    if (dialect !== "sqlite") await running.at(-1)!.flush();
  };
  return { db, bus, sent, start, first, id, rows, tick, answer: (r: SendResult | undefined) => (auto = r) };
}

const OK: SendResult = { ok: true, status: 200, latencyMs: 1, error: null };

for (const [name, open] of Object.entries(DIALECTS)) {
  describe(name, () => {
    beforeEach(() => {
      openDb = open;
      dialect = name;
    });
    suite();
  });
}

function suite(): void {
  test("events of one tick are committed together at the end of the tick, before anything is sent", async () => {
    const { bus, rows, sent, tick } = await setup();
    bus.emit("occupied", { appId: "3", channel: "a" });
    bus.emit("occupied", { appId: "3", channel: "b" });
    bus.emit("member_added", { appId: "3", channel: "presence-c", userId: "u" });
    bus.emit("occupied", { appId: "other-app", channel: "x" });
    expect(await rows()).toEqual([]);
    expect(sent).toEqual([]);
    await tick();
    expect((await rows()).map((r) => r.channel)).toEqual(["a", "b", "presence-c"]);
  });

  test("a removal and its twin cancel out, whether the removal was committed already or not", async () => {
    const { bus, rows, tick } = await setup({ delayMs: 10_000 });
    bus.emit("vacated", { appId: "3", channel: "same-tick" });
    bus.emit("occupied", { appId: "3", channel: "same-tick" });
    bus.emit("member_removed", { appId: "3", channel: "presence-p", userId: "u" });
    await tick();
    expect((await rows()).map((r) => r.type)).toEqual(["member_removed"]);
    bus.emit("member_added", { appId: "3", channel: "presence-p", userId: "u" });
    await tick();
    expect(await rows()).toEqual([]);
  });

  test("held removals survive a restart as holds: a comeback after the restart still cancels them", async () => {
    const { bus, rows, first, start, tick } = await setup({ delayMs: 10_000 });
    bus.emit("vacated", { appId: "3", channel: "kept" });
    bus.emit("vacated", { appId: "3", channel: "cancelled" });
    await first.stop();
    expect((await rows()).map((r) => r.channel)).toEqual(["kept", "cancelled"]);
    await start();
    bus.emit("occupied", { appId: "3", channel: "cancelled" });
    await tick();
    expect((await rows()).map((r) => r.channel)).toEqual(["kept"]);
  });

  test("an endpoint over its outbox bound drops new events and says so once", async () => {
    const warn = jest.spyOn(console, "warn").mockImplementation(() => {});
    cleanup.push(() => warn.mockRestore());
    const { bus, rows, first, id, tick } = await setup({ maxPending: 5 });
    for (let i = 0; i < 12; i++) bus.emit("occupied", { appId: "3", channel: `c${i}` });
    await tick();
    expect((await rows()).length).toBe(5);
    expect(await first.service.backlog("3")).toEqual([{ endpointId: id, appId: "3", pending: 5, inFlight: expect.any(Number), dropped: 7 }]);
    const lines = warn.mock.calls.map((c) => String(c[0]));
    expect(lines.filter((l) => l.includes("dropping new events"))).toHaveLength(1);
    expect(lines.find((l) => l.includes("dropping"))).toContain(`webhook endpoint ${id} (app 3, http://receiver.invalid/) has 5 undelivered events (the limit)`);
  });

  test("success and failure reach the bus; a failure is retried, then given up after the retry period", async () => {
    const { bus, sent, rows } = await setup({ retryPeriodMs: 150 });
    const events: string[] = [];
    const seen = (name: keyof LifecycleEvents) => bus.on(name as "webhook_sent", (e) => events.push(`${name}:${e.attempt}:${"willRetry" in e ? e.willRetry : ""}`));
    seen("webhook_sent");
    seen("webhook_failed");
    bus.emit("occupied", { appId: "3", channel: "ok" });
    await until(() => sent.length > 0, "the first request");
    sent.shift()!.resolve(OK);
    bus.emit("occupied", { appId: "3", channel: "bad" });
    const fail: SendResult = { ok: false, status: 500, latencyMs: 1, error: "HTTP 500" };
    const gaveUp = () => events.some((e) => e.endsWith(":false"));
    // Fail every try: each failure is followed by either another try or, past the period, giving up.
    while (!gaveUp()) {
      await until(() => sent.length > 0, "a try of the failing event");
      sent.shift()!.resolve(fail);
      await until(() => sent.length > 0 || gaveUp(), "another try or giving up");
    }
    expect(events[0]).toBe("webhook_sent:1:");
    expect(events[1]).toBe("webhook_failed:1:true");
    expect(events.at(-1)).toMatch(/^webhook_failed:\d+:false$/);
    expect(await rows()).toEqual([]);
  });

  test("a backlog that never got a try is expired after the retry period, in one log entry", async () => {
    const warn = jest.spyOn(console, "warn").mockImplementation(() => {});
    cleanup.push(() => warn.mockRestore());
    const { bus, first, rows, id, tick } = await setup({ retryPeriodMs: 100, concurrency: 1 });
    for (let i = 0; i < 6; i++) bus.emit("occupied", { appId: "3", channel: `x${i}` });
    await tick();
    // The first request hangs (the sender never answers); the other five wait, then expire.
    await until(async () => (await rows()).length <= 1, "the five waiting events to expire");
    expect((await rows()).map((r) => r.channel)).toEqual(["x0"]);
    const expired = (await first.service.log("3")).find((e) => e.kind === "expired")!;
    expect(expired).toMatchObject({ outcome: "failed", attempt: 0, eventCount: 5, eventTypes: ["channel_occupied"], error: "not delivered within 100 ms" });
    expect(warn.mock.calls.map((c) => c[0])).toContain(`mawjly: webhook endpoint ${id} (app 3): gave up 5 events not delivered within 100 ms`);
  });

  test("a failing periodic pass (e.g. a corrupted database page) logs one line, once, not a stack every poll", async () => {
    const errors = jest.spyOn(console, "error").mockImplementation(() => {});
    cleanup.push(() => errors.mockRestore());
    await setup({ pollMs: 20 });
    let calls = 0;
    const all = jest.spyOn(EndpointStore.prototype, "all").mockImplementation(async () => {
      calls++;
      throw new Error("database disk image is malformed\n    at EndpointStore.all (endpoint-store.ts:56)");
    });
    cleanup.unshift(() => all.mockRestore()); // before stop(), which may look at the endpoints again
    await until(() => calls >= 5, "five failed polls");
    expect(errors.mock.calls).toEqual([["mawjly: webhooks maintenance failed: database disk image is malformed at EndpointStore.all (endpoint-store.ts:56)"]]);
  });

  test("a last try that falls due while the process is stalled is still made, not expired untried", async () => {
    const warn = jest.spyOn(console, "warn").mockImplementation(() => {});
    cleanup.push(() => warn.mockRestore());
    // One failure, then the next try is the last one, at the deadline (the back-off is longer than the period).
    const { bus, sent, first } = await setup({ retryPeriodMs: 200, backoffMs: 10_000, backoffMaxMs: 10_000 });
    bus.emit("occupied", { appId: "3", channel: "late" });
    await until(() => sent.length > 0, "the first try");
    const fail: SendResult = { ok: false, status: 500, latencyMs: 1, error: "HTTP 500" };
    sent.shift()!.resolve(fail);
    await until(async () => (await first.service.log("3")).length > 0, "the first log entry");
    // The event loop is blocked past the deadline and the expiry grace (a loaded machine, a long pause).
    const stalledUntil = Date.now() + 1500;
    while (Date.now() < stalledUntil) {}
    await until(async () => sent.length > 0 || (await first.service.log("3")).length > 1, "the last try (or an expiry)");
    expect((await first.service.log("3")).filter((e) => e.kind === "expired")).toEqual([]);
    expect(sent).toHaveLength(1);
    sent.shift()!.resolve(fail);
    await until(async () => (await first.service.log("3")).length > 1, "the second log entry");
    expect((await first.service.log("3")).map((e) => [e.kind, e.attempt, e.outcome, e.status])).toEqual([
      ["delivery", 2, "failed", 500],
      ["delivery", 1, "retrying", 500],
    ]);
  });
}
