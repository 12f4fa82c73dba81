/**
 * Several nodes delivering one shared outbox with claims (what PostgreSQL deployments on several hosts
 * do): two webhook runtimes over two connections to one database, distinct node ids, one local HTTP
 * receiver. Node A claims rows and its requests hang; node B (started once A holds them) sends other
 * channels meanwhile but never a later event of a channel A holds. Then A dies without releasing its
 * claims: once they lapse, B takes A's rows over, and every event arrives exactly once, in order per
 * channel. Also: PostgreSQL going down and coming back under a running runtime (writes buffered, then
 * committed; nothing lost, nothing sent twice).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LifecycleBus } from "../../src/engine/bus";
import { systemClock } from "../../src/engine/ports";
import { openDatabase } from "../../src/store/database";
import type { Db } from "../../src/store/db";
import { openStore, type Store } from "../../src/store/open";
import { SqliteDb } from "../../src/store/sqlite";
import { startWebhooks, type Webhooks } from "../../src/webhooks";
import { postWebhook, type WebhookSender } from "../../src/webhooks/sender";
import { usePostgres } from "../support/postgres";
import { until } from "../support/wait";
import { makeApp, MemoryAppDirectory } from "../unit/fakes";

interface Dialect {
  name: string;
  /** Opens `n` connections to one new, migrated database. */
  connect(n: number): Promise<Db[]>;
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn(); // the runtimes stop before their databases close
});

const sqlite: Dialect = {
  name: "sqlite",
  async connect(n) {
    const dir = mkdtempSync(join(tmpdir(), "mawjly-wh-claims-"));
    const dbs = Array.from({ length: n }, () => new SqliteDb(openDatabase(dir)));
    cleanup.push(async () => {
      for (const db of dbs) await db.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return dbs;
  },
};

const pg = usePostgres();
const postgres: Dialect = {
  name: "postgres",
  async connect(n) {
    const databaseUrl = await pg().freshDatabase();
    const stores: Store[] = [];
    for (let i = 0; i < n; i++) stores.push(await openStore({ dataDir: "(unused)", databaseUrl }));
    cleanup.push(async () => {
      for (const store of stores) await store.close();
    });
    return stores.map((s) => s.db);
  },
};

const DIALECTS: Dialect[] = [sqlite, postgres];

interface Received {
  node: string;
  channel: string;
  count: number;
  at: number;
}

/** A receiver that answers node B at once and leaves node A's requests for the `hold` channels hanging. */
function receiver(hold: (channel: string) => boolean) {
  const answered: Received[] = [];
  let hanging = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const node = request.headers.get("x-test-node") ?? "?";
      const body = (await request.json()) as { events: { channel: string; subscription_count: number }[] };
      const event = body.events[0]!;
      if (node === "A" && hold(event.channel)) {
        hanging++;
        return new Promise<Response>(() => {});
      }
      answered.push({ node, channel: event.channel, count: event.subscription_count, at: Date.now() });
      return new Response("ok");
    },
  });
  cleanup.push(() => server.stop(true));
  return { url: `http://127.0.0.1:${server.port}/hooks`, answered, hanging: () => hanging };
}

const as = (node: string): WebhookSender => (url, headers, body, timeoutMs, stop, address) =>
  postWebhook(url, { ...headers, "X-Test-Node": node }, body, timeoutMs, stop, address);

for (const dialect of DIALECTS) {
  describe(dialect.name, () => {
    test("a node that dies holding claims: its rows are taken over after the lease, each event sent once, in order per channel", async () => {
      const claimMs = 400;
      const [dbA, dbB] = await dialect.connect(2);
      const stamp = new Date().toISOString();
      await dbA!.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", ["3", "app", stamp, stamp]);
      const apps = new MemoryAppDirectory([makeApp()]);
      const hooks = receiver((channel) => channel.startsWith("held-"));
      const config = { claimMs, pollMs: 50, timeoutMs: 30_000, delayMs: 0, allowPrivate: 1 };
      const start = (db: Db, node: string, bus: LifecycleBus) =>
        startWebhooks({ db, bus, apps, clock: systemClock, config, claims: true, nodeId: node, send: as(node) });
      const busA = new LifecycleBus();
      const busB = new LifecycleBus();
      const a: Webhooks = await start(dbA!, "A", busA);
      cleanup.push(() => a.stop());
      await a.service.add("3", { url: hooks.url, events: ["subscription_count"] });

      const emit = (bus: LifecycleBus, channel: string, count: number) => bus.emit("subscription_count", { appId: "3", channel, count });
      // A records and claims these; its requests for the held- channels hang.
      for (let count = 1; count <= 3; count++) for (const channel of ["held-1", "held-2"]) emit(busA, channel, count);
      await until(() => hooks.hanging() === 2, "A's first request of each held channel to hang");
      const b: Webhooks = await start(dbB!, "B", busB);
      cleanup.push(() => b.stop());
      // B records more: for a channel of its own, and a later event of a channel A holds.
      for (let count = 1; count <= 3; count++) emit(busB, "free", count);
      emit(busB, "held-1", 4);
      await until(() => hooks.answered.filter((r) => r.channel === "free").length === 3, "B to send the free channel");
      await Bun.sleep(claimMs); // several renewals: A's claims hold while it lives
      expect(hooks.answered.filter((r) => r.channel.startsWith("held-"))).toEqual([]);

      // A dies: no release, its requests cut, its claims left to lapse.
      const killedAt = Date.now();
      a.kill();
      const byChannel = (channel: string) => hooks.answered.filter((r) => r.channel === channel).map((r) => r.count);
      await until(() => byChannel("held-1").length >= 4 && byChannel("held-2").length >= 3, "B to take A's rows over", 10_000);
      await Bun.sleep(200); // nothing more is coming: no duplicates
      expect(byChannel("held-1")).toEqual([1, 2, 3, 4]);
      expect(byChannel("held-2")).toEqual([1, 2, 3]);
      expect(byChannel("free")).toEqual([1, 2, 3]);
      // A still answered for what it could send; the held channels only B delivered.
      expect(hooks.answered.filter((r) => r.channel.startsWith("held-")).every((r) => r.node === "B")).toBe(true);
      const takenOver = Math.min(...hooks.answered.filter((r) => r.channel.startsWith("held-")).map((r) => r.at));
      expect(takenOver).toBeGreaterThanOrEqual(killedAt + claimMs / 2); // not before A's claims lapsed
      expect(await dbB!.all("SELECT seq FROM webhook_outbox")).toEqual([]);
    });

    test("a graceful stop releases the claims: the other node sends the rows at once", async () => {
      const [dbA, dbB] = await dialect.connect(2);
      const stamp = new Date().toISOString();
      await dbA!.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", ["3", "app", stamp, stamp]);
      const apps = new MemoryAppDirectory([makeApp()]);
      const hooks = receiver(() => true);
      const config = { claimMs: 60_000, pollMs: 50, timeoutMs: 30_000, delayMs: 0, allowPrivate: 1 };
      const busA = new LifecycleBus();
      const a = await startWebhooks({ db: dbA!, bus: busA, apps, clock: systemClock, config, claims: true, nodeId: "A", send: as("A") });
      await a.service.add("3", { url: hooks.url, events: ["subscription_count"] });
      busA.emit("subscription_count", { appId: "3", channel: "c", count: 1 });
      await until(() => hooks.hanging() === 1, "A's request to hang");
      const b = await startWebhooks({ db: dbB!, bus: new LifecycleBus(), apps, clock: systemClock, config, claims: true, nodeId: "B", send: as("B") });
      cleanup.push(() => b.stop());
      await Bun.sleep(150); // B polls: the row is A's, nothing is sent
      expect(hooks.answered).toEqual([]);
      const stopped = Date.now();
      await a.stop();
      await until(() => hooks.answered.length === 1, "B to send the released row");
      expect(hooks.answered[0]).toMatchObject({ node: "B", channel: "c", count: 1 });
      expect(hooks.answered[0]!.at - stopped).toBeLessThan(5_000); // long before the 60 s claim would lapse
    });
  });
}

describe("postgres down", () => {
  test("while PostgreSQL is down events wait in memory; when it is back they are committed and delivered, in order", async () => {
    const [db] = await postgres.connect(1);
    const stamp = new Date().toISOString();
    await db!.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", ["3", "app", stamp, stamp]);
    const hooks = receiver(() => false);
    const bus = new LifecycleBus();
    const lines: string[] = [];
    const errors = console.error;
    console.error = (line: unknown) => void lines.push(String(line));
    cleanup.push(() => void (console.error = errors));
    const config = { claimMs: 2000, pollMs: 50, delayMs: 0, allowPrivate: 1 };
    const w = await startWebhooks({ db: db!, bus, apps: new MemoryAppDirectory([makeApp()]), clock: systemClock, config, claims: true, nodeId: "A", send: as("A") });
    cleanup.push(() => w.stop());
    await w.service.add("3", { url: hooks.url, events: ["subscription_count"] });
    bus.emit("subscription_count", { appId: "3", channel: "c", count: 1 });
    await until(() => hooks.answered.length === 1, "the first event");

    await pg().pause();
    for (let count = 2; count <= 4; count++) bus.emit("subscription_count", { appId: "3", channel: "c", count });
    await until(() => lines.some((l) => l.includes("the database is unreachable")), "the unreachable line");
    await pg().resume();
    await until(() => hooks.answered.length === 4, "the buffered events", 15_000);
    expect(hooks.answered.map((r) => r.count)).toEqual([1, 2, 3, 4]);
    // One line when it went, one when it came back (the first event's completion was buffered too).
    expect(lines.filter((l) => l.startsWith("mawjly: webhooks: the database is"))).toEqual([
      expect.stringMatching(/^mawjly: webhooks: the database is unreachable \(PostgreSQL at .* is unavailable: .*\); keeping outbox writes in memory \(at most 100000\) and retrying$/),
      expect.stringMatching(/^mawjly: webhooks: the database is reachable again; committed \d+ buffered outbox writes$/),
    ]);
  });
});
