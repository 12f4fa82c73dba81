/**
 * The store port's contract (store/db.ts), one suite run on both implementations: SqliteDb and
 * PostgresDb, each over a freshly migrated database, so the queries use the real schema. What only
 * one dialect can show (SQLite's queue during a transaction, PostgreSQL's outages) follows the suite.
 */
import { afterAll, describe, expect, onTestFinished, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isUniqueViolation, StoreUnavailable, type Db } from "../../src/store/db";
import { openStore, type Store } from "../../src/store/open";
import { PostgresDb } from "../../src/store/postgres";
import { describeStores, usePostgres, type PostgresHandle } from "../support/postgres";
import { freePort } from "../support/redis";

const NOW = "2026-12-03T08:00:00.000Z";
const addApp = (db: Db, id: string) =>
  db.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", [id, `app ${id}`, NOW, NOW]);
const logRow = (db: Db, atMs: number) =>
  db.get<{ id: number }>(
    `INSERT INTO webhook_log (app_id, endpoint_id, url, at_ms, kind, outcome, event_types, event_count, attempt, events)
     VALUES (?, 'e1', 'http://x', ?, 'delivery', 'delivered', 'member_added', 1, 1, '[]') RETURNING id`,
    ["a1", atMs],
  );
/** The error a promise rejects with (a resolved promise fails the test). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ("value" in outcome) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as Error;
}
const count = async (db: Db, table: string) => (await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n;

function contract(fresh: () => Promise<Store>): void {
  test("? placeholders bind in order; a ? inside a quoted string or a comment is text", async () => {
    const { db } = await fresh();
    await db.run("INSERT INTO settings (name, value) VALUES (?, '?') -- a comment with ? in it", ["a"]);
    await db.run("INSERT INTO settings (name, value) VALUES (?, /* ? */ ?)", ["b", "it's ?"]);
    expect(await db.all("SELECT name, value FROM settings WHERE name IN (?, ?) ORDER BY name", ["a", "b"])).toEqual([
      { name: "a", value: "?" },
      { name: "b", value: "it's ?" },
    ]);
  });

  test("integers are numbers: BIGINT columns, COUNT, SUM, MAX, millisecond timestamps", async () => {
    const { db } = await fresh();
    const ms = 1_764_749_697_123;
    await db.run(
      "INSERT INTO usage_minutes (app_id, minute, connections_peak, api_messages) VALUES (?, ?, ?, ?), (?, ?, ?, ?)",
      ["a1", 29_412_494, 7, 3_000_000_000, "a1", 29_412_495, 9, 1],
    );
    await logRow(db, ms);
    expect(
      await db.get("SELECT COUNT(*) AS n, SUM(api_messages) AS total, MAX(connections_peak) AS peak, MIN(minute) AS first FROM usage_minutes"),
    ).toEqual({ n: 2, total: 3_000_000_001, peak: 9, first: 29_412_494 });
    expect(await db.get("SELECT at_ms, event_count FROM webhook_log")).toEqual({ at_ms: ms, event_count: 1 });
  });

  test("a condition in the select list answers 1 or 0", async () => {
    const { db } = await fresh();
    expect(await db.get("SELECT EXISTS (SELECT 1 FROM plans WHERE id = ?) AS found, (1 = 2) AS same", ["free"])).toEqual({ found: 1, same: 0 });
  });

  test("camelCase aliases keep their case; text that looks like a number stays text", async () => {
    const { db } = await fresh();
    await addApp(db, "123456");
    expect(await db.get("SELECT id AS appId, revision AS appRevision FROM apps")).toEqual({ appId: "123456", appRevision: 1 });
  });

  test("booleans bind as 0/1; get answers undefined when no row matches", async () => {
    const { db } = await fresh();
    await addApp(db, "a1");
    await db.run("INSERT INTO webhook_endpoints (id, app_id, url, events, enabled, batch, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
      "e1", "a1", "http://x", "[]", true, false, NOW, NOW,
    ]);
    expect(await db.get("SELECT enabled, batch FROM webhook_endpoints WHERE id = ?", ["e1"])).toEqual({ enabled: 1, batch: 0 });
    expect(await db.get("SELECT id FROM webhook_endpoints WHERE id = ?", ["nope"])).toBeUndefined();
    expect(await db.all("SELECT id FROM webhook_endpoints WHERE id = ?", ["nope"])).toEqual([]);
  });

  test("INSERT … RETURNING answers the generated id; run answers the rows changed", async () => {
    const { db } = await fresh();
    expect(await logRow(db, 1)).toEqual({ id: 1 });
    expect(await logRow(db, 2)).toEqual({ id: 2 });
    expect(await db.run("UPDATE webhook_log SET attempt = attempt + 1")).toBe(2);
    expect(await db.run("DELETE FROM webhook_log WHERE id = ?", [99])).toBe(0);
  });

  test("exec runs several statements", async () => {
    const { db } = await fresh();
    await db.exec("INSERT INTO settings (name, value) VALUES ('x', '1'); INSERT INTO settings (name, value) VALUES ('y', '2');");
    expect(await count(db, "settings")).toBe(2);
  });

  test("a transaction commits when fn resolves, and answers its value", async () => {
    const { db } = await fresh();
    const out = await db.transaction(async (tx) => {
      await tx.run("INSERT INTO settings (name, value) VALUES ('a', '1')");
      await tx.run("INSERT INTO settings (name, value) VALUES ('b', '2')");
      return count(tx, "settings");
    });
    expect(out).toBe(2);
    expect(await count(db, "settings")).toBe(2);
  });

  test("a transaction rolls back when fn throws, and rethrows", async () => {
    const { db } = await fresh();
    const boom = new Error("boom");
    const err = await failure(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO settings (name, value) VALUES ('a', '1')");
        throw boom;
      }),
    );
    expect(err).toBe(boom);
    expect(await count(db, "settings")).toBe(0);
  });

  test("a nested transaction joins the outer one: it commits and rolls back with it", async () => {
    const { db } = await fresh();
    await db.transaction(async (tx) => {
      await tx.transaction((inner) => inner.run("INSERT INTO settings (name, value) VALUES ('kept', '1')"));
    });
    await db
      .transaction(async (tx) => {
        await tx.transaction((inner) => inner.run("INSERT INTO settings (name, value) VALUES ('lost', '1')"));
        throw new Error("outer fails after the inner one finished");
      })
      .catch(() => undefined);
    expect(await db.all("SELECT name FROM settings")).toEqual([{ name: "kept" }]);
  });

  test("a statement outside an open transaction never sees half of it", async () => {
    const { db } = await fresh();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const first = new Promise<void>((resolve) => (inserted = resolve));
    const tx = db.transaction(async (t) => {
      await t.run("INSERT INTO settings (name, value) VALUES ('a', '1')");
      inserted();
      await gate;
      await t.run("INSERT INTO settings (name, value) VALUES ('b', '2')");
    });
    await first;
    const outside = count(db, "settings");
    release();
    await tx;
    expect([0, 2]).toContain(await outside);
    expect(await count(db, "settings")).toBe(2);
  });

  test("unique and primary-key violations are recognised; other errors are not, nor unavailability", async () => {
    const { db } = await fresh();
    await db.run("INSERT INTO settings (name, value) VALUES ('a', '1')");
    const pk = await failure(db.run("INSERT INTO settings (name, value) VALUES ('a', '2')"));
    expect(isUniqueViolation(pk)).toBe(true);
    await db.run("INSERT INTO plans (id, name, max_apps, max_connections, max_messages_per_day, created_at) VALUES ('p', 'P', 1, 1, 1, ?)", [NOW]);
    const account = ["x@example.com", "X", "h", "p", NOW];
    await db.run("INSERT INTO accounts (id, email, name, password_hash, plan_id, created_at) VALUES ('u1', ?, ?, ?, ?, ?)", account);
    const unique = await failure(db.run("INSERT INTO accounts (id, email, name, password_hash, plan_id, created_at) VALUES ('u2', ?, ?, ?, ?, ?)", account));
    expect(isUniqueViolation(unique)).toBe(true);
    const notNull = await failure(db.run("INSERT INTO settings (name, value) VALUES ('b', NULL)"));
    expect(notNull).toBeInstanceOf(Error);
    expect(isUniqueViolation(notNull)).toBe(false);
    const badSql = await failure(db.all("SELEC 1"));
    expect(badSql).toBeInstanceOf(Error);
    expect(badSql).not.toBeInstanceOf(StoreUnavailable);
    expect(isUniqueViolation(badSql)).toBe(false);
    expect(isUniqueViolation(new StoreUnavailable("down"))).toBe(false);
  });
}

describeStores("the store port", contract);

describe("SqliteDb", () => {
  const root = mkdtempSync(join(tmpdir(), "mawjly-store-db-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("statements outside an open transaction wait until it ends (they would land inside it)", async () => {
    const store = await openStore({ dataDir: root });
    onTestFinished(() => store.close());
    const { db } = store;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const tx = db.transaction(async (t) => {
      await t.run("INSERT INTO settings (name, value) VALUES ('a', '1')");
      await gate;
      throw new Error("rolled back");
    });
    let settled = false;
    const outside = db.run("INSERT INTO settings (name, value) VALUES ('outside', '1')").then(() => (settled = true));
    await Bun.sleep(20); // give the outside statement every chance to run early
    expect(settled).toBe(false);
    release();
    await tx.catch(() => undefined);
    await outside;
    expect(await db.all("SELECT name FROM settings")).toEqual([{ name: "outside" }]);
  });
});

describe("PostgresDb", () => {
  const pg = usePostgres();

  test("a refused port is StoreUnavailable with one line naming the server, never its password", async () => {
    const port = await freePort();
    const db = new PostgresDb(`postgres://mawjly:s3cret@127.0.0.1:${port}/mawjly`);
    try {
      for (const attempt of [() => db.get("SELECT 1"), () => db.transaction((tx) => tx.get("SELECT 1"))]) {
        const err = await failure(attempt());
        expect(err).toBeInstanceOf(StoreUnavailable);
        expect(err.message).toBe(`PostgreSQL at postgres://mawjly@127.0.0.1:${port}/mawjly is unavailable: connection refused`);
      }
    } finally {
      await db.close();
    }
  });

  test("a server that accepts but never answers is StoreUnavailable within the connection timeout", async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const db = new PostgresDb(`postgres://mawjly@127.0.0.1:${port}/mawjly`, { connectionTimeout: 1 });
    const started = Date.now();
    try {
      const err = await failure(db.get("SELECT 1"));
      expect(err).toBeInstanceOf(StoreUnavailable);
      expect(err.message).toStartWith(`PostgreSQL at postgres://mawjly@127.0.0.1:${port}/mawjly is unavailable: connection`);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await db.close();
      silent.close();
    }
  });

  test("an outage: queries fail with StoreUnavailable while the server is down, and work again once it is back", async () => {
    const store = await openStore({ dataDir: "/nonexistent", databaseUrl: await pg().freshDatabase() });
    onTestFinished(() => store.close());
    const { db } = store;
    const server: PostgresHandle = pg();
    await db.run("INSERT INTO settings (name, value) VALUES ('before', '1')");
    const inFlight = failure(db.get("SELECT pg_sleep(5)"));
    // pg_sleep has started once it shows in pg_stat_activity; then stop the server under it.
    for (let i = 0; i < 200 && !(await db.get("SELECT 1 AS x FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'")); i++) await Bun.sleep(10);
    await server.pause();
    const during = [await inFlight, await failure(db.get("SELECT 1")), await failure(db.transaction((tx) => tx.get("SELECT 1")))];
    for (const err of during) {
      expect(err).toBeInstanceOf(StoreUnavailable);
      expect(err.message).toStartWith(`PostgreSQL at postgres://postgres@127.0.0.1:${server.port}/`);
    }
    expect(during[1]!.message).toEndWith("is unavailable: connection refused");
    await server.resume();
    expect(await db.all("SELECT name FROM settings")).toEqual([{ name: "before" }]);
    await db.transaction((tx) => tx.run("INSERT INTO settings (name, value) VALUES ('after', '1')"));
    expect(await count(db, "settings")).toBe(2);
  });
});
