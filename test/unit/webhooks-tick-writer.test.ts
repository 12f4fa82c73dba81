/**
 * TickWriter: one transaction per tick; a bad write does not take the others of its tick down; while
 * the database is unreachable (StoreUnavailable) writes are kept in memory up to a bound, dropped
 * beyond it with one line saying how many and why, and committed on their own once it is back.
 * Items of a batched kind (new outbox rows) are written together per run of consecutive ones, keep
 * their place among the other writes, and are still dropped, retried and buffered one by one.
 */
import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { StoreUnavailable, type Db, type Param } from "../../src/store/db";
import { SqliteDb } from "../../src/store/sqlite";
import { TickWriter, type Batched, type WriteOp } from "../../src/webhooks/tick-writer";
import { until } from "../support/wait";

/** A database that can be taken "down": every statement then fails as an unreachable PostgreSQL would. */
class Flaky implements Db {
  readonly dialect = "sqlite" as const;
  down = false;
  transactions = 0;
  constructor(private readonly inner: SqliteDb) {}
  private check(): void {
    if (this.down) throw new StoreUnavailable("connect ECONNREFUSED 127.0.0.1:5432");
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
  async transaction<T>(fn: (tx: Db) => Promise<T>) {
    this.check();
    this.transactions++;
    return this.inner.transaction(fn);
  }
  close() {
    return this.inner.close();
  }
}

const open: SqliteDb[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

function setup(maxBuffered = 1000) {
  const inner = new SqliteDb(new Database(":memory:"));
  open.push(inner);
  inner.raw.exec("CREATE TABLE t (v INTEGER NOT NULL UNIQUE)");
  const db = new Flaky(inner);
  const lines: string[] = [];
  const writer = new TickWriter(db, { maxBuffered, log: (l) => lines.push(l), retryMs: 5, retryMaxMs: 20 });
  const settled: number[] = [];
  const dropped: number[] = [];
  const insert = (v: number): WriteOp => async (tx) => {
    await tx.run("INSERT INTO t (v) VALUES (?)", [v]);
    return () => settled.push(v);
  };
  const add = (v: number) => writer.add(insert(v), () => dropped.push(v));
  const values = async () => (await inner.all<{ v: number }>("SELECT v FROM t ORDER BY v")).map((r) => r.v);
  // A batched kind: one INSERT per run of items (what the recorder does with new outbox rows).
  const writes: number[][] = [];
  const many: Batched<number> = {
    async write(tx, vs) {
      writes.push([...vs]);
      await tx.run(`INSERT INTO t (v) VALUES ${vs.map(() => "(?)").join(", ")}`, vs);
      return vs.map((v) => () => settled.push(v));
    },
  };
  const addItem = (v: number) => writer.addTo(many, v, () => dropped.push(v));
  return { db, writer, lines, settled, dropped, add, values, writes, addItem };
}

const tick = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

test("the writes of one tick commit in one transaction; what to do in memory runs after the commit", async () => {
  const { db, add, values, settled } = setup();
  for (let v = 1; v <= 5; v++) add(v);
  expect(settled).toEqual([]);
  await tick();
  expect(db.transactions).toBe(1);
  expect(await values()).toEqual([1, 2, 3, 4, 5]);
  expect(settled).toEqual([1, 2, 3, 4, 5]);
});

test("a write that fails on its own is dropped and said; the others of its tick are committed", async () => {
  const { writer, add, values, lines, dropped } = setup();
  add(1);
  await writer.flush();
  add(2);
  add(1); // violates UNIQUE
  add(3);
  await writer.flush();
  expect(await values()).toEqual([1, 2, 3]);
  expect(dropped).toEqual([1]);
  expect(lines).toEqual([expect.stringMatching(/^mawjly: webhooks: 1 of 3 outbox writes failed: .*UNIQUE/)]);
});

test("while the database is unreachable, writes wait in memory and are committed once it is back", async () => {
  const { db, writer, add, values, lines, settled, dropped } = setup();
  db.down = true;
  add(1);
  add(2);
  await writer.flush();
  expect(writer.buffering).toBe(true);
  add(3); // queued behind the others, not tried on its own
  expect(writer.size).toBe(3);
  await Bun.sleep(30); // a few retries, all failing
  db.down = false;
  await until(() => !writer.buffering && writer.size === 0, "the buffered writes to be committed");
  expect(await values()).toEqual([1, 2, 3]);
  expect(settled).toEqual([1, 2, 3]);
  expect(dropped).toEqual([]);
  expect(lines).toEqual([
    "mawjly: webhooks: the database is unreachable (connect ECONNREFUSED 127.0.0.1:5432); keeping outbox writes in memory (at most 1000) and retrying",
    "mawjly: webhooks: the database is reachable again; committed 3 buffered outbox writes",
  ]);
});

test("the database going away during the one-by-one retry: the rest is kept for the back-off, not called reachable", async () => {
  const { db, writer, add, values, lines, settled, dropped } = setup();
  let runs = 0;
  add(1);
  writer.add(async (tx) => {
    runs++;
    if (runs === 1) throw new Error("bad write"); // fails the tick: each write is retried alone
    if (runs === 2) {
      db.down = true; // alone: the database is gone by now
      throw new StoreUnavailable("connect ECONNREFUSED 127.0.0.1:5432");
    }
    await tx.run("INSERT INTO t (v) VALUES (2)");
    return () => settled.push(2);
  }, () => dropped.push(2));
  add(3);
  await writer.flush();
  expect(await values()).toEqual([1]);
  expect(settled).toEqual([1]);
  expect(writer.buffering).toBe(true);
  expect(writer.size).toBe(2);
  expect(lines).toEqual([
    "mawjly: webhooks: the database is unreachable (connect ECONNREFUSED 127.0.0.1:5432); keeping outbox writes in memory (at most 1000) and retrying",
  ]);
  db.down = false;
  await until(() => !writer.buffering && writer.size === 0, "the kept writes to be committed");
  expect(await values()).toEqual([1, 2, 3]);
  expect(settled).toEqual([1, 2, 3]);
  expect(dropped).toEqual([]);
  expect(lines.slice(1)).toEqual(["mawjly: webhooks: the database is reachable again; committed 2 buffered outbox writes"]);
});

test("beyond the bound, new writes are dropped and counted in one line; the kept ones still arrive", async () => {
  const { db, writer, add, values, lines, dropped } = setup(3);
  db.down = true;
  for (let v = 1; v <= 3; v++) add(v);
  await writer.flush();
  for (let v = 4; v <= 10; v++) add(v);
  expect(dropped).toEqual([4, 5, 6, 7, 8, 9, 10]);
  db.down = false;
  await until(() => !writer.buffering, "recovery");
  expect(await values()).toEqual([1, 2, 3]);
  expect(lines.filter((l) => l.includes("dropped"))).toEqual([
    "mawjly: webhooks: dropped 7 outbox writes: the database is unreachable and 3 are buffered already",
  ]);
});

test("close() says what could not be committed at stop", async () => {
  const { db, writer, add, lines } = setup();
  db.down = true;
  add(1);
  add(2);
  await writer.close();
  expect(lines.at(-1)).toBe("mawjly: webhooks: 2 outbox writes not committed at stop: the database is unreachable");
  expect(writer.size).toBe(0);
});

test("consecutive batched items are written in one call, in queue order; a plain op between them keeps its place", async () => {
  const { db, writer, addItem, values, settled, writes } = setup();
  const seen: number[] = [];
  addItem(1);
  addItem(2);
  writer.add(async (tx) => {
    seen.push((await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM t"))!.n);
    await tx.run("INSERT INTO t (v) VALUES (3)");
    return () => settled.push(3);
  });
  addItem(4);
  addItem(5);
  expect(writer.size).toBe(5);
  expect(writes).toEqual([]); // written at the end of the tick
  await tick();
  expect(db.transactions).toBe(1);
  expect(writes).toEqual([[1, 2], [4, 5]]);
  expect(seen).toEqual([2]); // the op ran after the items queued before it, before those after it
  expect(await values()).toEqual([1, 2, 3, 4, 5]);
  expect(settled).toEqual([1, 2, 3, 4, 5]);
});

test("a failing batch is retried item by item: only the bad item is dropped; nothing is done in memory for it", async () => {
  const { writer, addItem, values, settled, dropped, writes, lines } = setup();
  addItem(1);
  await writer.flush();
  addItem(2);
  addItem(1); // violates UNIQUE: the whole run's INSERT fails
  addItem(3);
  await writer.flush();
  expect(writes).toEqual([[1], [2, 1, 3], [2], [1], [3]]);
  expect(await values()).toEqual([1, 2, 3]);
  expect(settled).toEqual([1, 2, 3]);
  expect(dropped).toEqual([1]);
  expect(lines).toEqual([expect.stringMatching(/^mawjly: webhooks: 1 of 3 outbox writes failed: .*UNIQUE/)]);
});

test("while the database is unreachable, batched items count toward the bound and are written together once it is back", async () => {
  const { db, writer, addItem, values, settled, dropped, writes } = setup(3);
  db.down = true;
  addItem(1);
  addItem(2);
  await writer.flush();
  addItem(3);
  addItem(4); // beyond the bound of 3
  expect(dropped).toEqual([4]);
  db.down = false;
  await until(() => !writer.buffering && writer.size === 0, "the buffered items to be written");
  expect(writes.at(-1)).toEqual([1, 2, 3]);
  expect(await values()).toEqual([1, 2, 3]);
  expect(settled).toEqual([1, 2, 3]);
});
