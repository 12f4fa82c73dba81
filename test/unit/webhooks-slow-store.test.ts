/**
 * The dispatcher over a store that answers slowly (a remote PostgreSQL): while a look waits for the
 * store, requests end and new rows arrive; a lane still never runs two looks at once, never starts a
 * row twice (a request that ended while the look read may not have its completion committed yet), and
 * keeps per-channel order. stop() stays bounded.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LifecycleBus } from "../../src/engine/bus";
import { systemClock } from "../../src/engine/ports";
import { openDatabase } from "../../src/store/database";
import type { Db, Param } from "../../src/store/db";
import { SqliteDb } from "../../src/store/sqlite";
import { startWebhooks } from "../../src/webhooks";
import type { WebhookSender } from "../../src/webhooks/sender";
import { until } from "../support/wait";
import { makeApp, MemoryAppDirectory } from "./fakes";

/** Every statement outside a transaction answers after `ms` (a network round trip); `hang` stops answering. */
class Slow implements Db {
  readonly dialect = "sqlite" as const;
  reading = 0;
  maxReading = 0;
  hang = false;
  constructor(
    private readonly inner: SqliteDb,
    private readonly ms: number,
  ) {}
  private async later<T>(fn: () => Promise<T>): Promise<T> {
    this.reading++;
    this.maxReading = Math.max(this.maxReading, this.reading);
    try {
      await Bun.sleep(this.ms);
      if (this.hang) await new Promise(() => {});
      return await fn();
    } finally {
      this.reading--;
    }
  }
  all<T>(sql: string, params?: readonly Param[]) {
    return this.later(() => this.inner.all<T>(sql, params));
  }
  get<T>(sql: string, params?: readonly Param[]) {
    return this.later(() => this.inner.get<T>(sql, params));
  }
  run(sql: string, params?: readonly Param[]) {
    return this.later(() => this.inner.run(sql, params));
  }
  exec(sql: string) {
    return this.inner.exec(sql);
  }
  async transaction<T>(fn: (tx: Db) => Promise<T>) {
    await Bun.sleep(this.ms);
    if (this.hang) await new Promise(() => {});
    return this.inner.transaction(fn);
  }
  close() {
    return this.inner.close();
  }
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

test("slow store: every event sent once, in order per channel, with requests ending during looks", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-wh-slow-"));
  const inner = new SqliteDb(openDatabase(dir));
  cleanup.push(async () => {
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const stamp = new Date().toISOString();
  await inner.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", ["3", "app", stamp, stamp]);
  const db = new Slow(inner, 3);
  const sent: { channel: string; count: number }[] = [];
  // Answers at varied times, so completions land in the middle of looks.
  const send: WebhookSender = async (_url, _headers, body) => {
    await Bun.sleep(Math.floor(Math.random() * 6));
    const event = (JSON.parse(body) as { events: { channel: string; subscription_count: number }[] }).events[0]!;
    sent.push({ channel: event.channel, count: event.subscription_count });
    return { ok: true, status: 200, latencyMs: 1, error: null };
  };
  const bus = new LifecycleBus();
  const webhooks = await startWebhooks({ db, bus, apps: new MemoryAppDirectory([makeApp()]), clock: systemClock, send, config: { pollMs: 20, delayMs: 0 } });
  cleanup.push(() => webhooks.stop());
  await webhooks.service.add("3", { url: "http://receiver.invalid/", events: ["subscription_count"] });
  const channels = ["a", "b", "c", "d", "e", "f"];
  const perChannel = 15;
  for (let count = 1; count <= perChannel; count++) {
    for (const channel of channels) bus.emit("subscription_count", { appId: "3", channel, count });
    if (count % 3 === 0) await Bun.sleep(2);
  }
  await until(() => sent.length >= channels.length * perChannel, "every event", 20_000);
  await Bun.sleep(100); // no late duplicates
  for (const channel of channels) {
    expect(sent.filter((s) => s.channel === channel).map((s) => s.count)).toEqual(Array.from({ length: perChannel }, (_, i) => i + 1));
  }
  expect(await inner.all("SELECT seq FROM webhook_outbox")).toEqual([]);
});

test("a store that stops answering cannot hold stop() for long", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-wh-hang-"));
  const inner = new SqliteDb(openDatabase(dir));
  cleanup.push(async () => {
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const stamp = new Date().toISOString();
  await inner.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", ["3", "app", stamp, stamp]);
  const db = new Slow(inner, 1);
  const bus = new LifecycleBus();
  const never: WebhookSender = () => new Promise(() => {});
  const webhooks = await startWebhooks({ db, bus, apps: new MemoryAppDirectory([makeApp()]), clock: systemClock, send: never, config: { pollMs: 20, delayMs: 0 } });
  await webhooks.service.add("3", { url: "http://receiver.invalid/", events: ["subscription_count"] });
  bus.emit("subscription_count", { appId: "3", channel: "a", count: 1 });
  await until(async () => (await inner.all("SELECT seq FROM webhook_outbox")).length === 1, "the row");
  db.hang = true;
  bus.emit("subscription_count", { appId: "3", channel: "a", count: 2 });
  await Bun.sleep(50); // a look and a commit are now stuck in the store
  const started = Date.now();
  const errors = console.error;
  console.error = () => {};
  try {
    await webhooks.stop();
  } finally {
    console.error = errors;
  }
  expect(Date.now() - started).toBeLessThan(2500);
});
