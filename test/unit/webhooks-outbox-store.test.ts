/**
 * The outbox store's SQL, on every dialect the store port has (the same statements run on SQLite and
 * PostgreSQL): inserts that skip removed endpoints, delivery order, cancellation of held rows, and the
 * claims several nodes use to share one outbox — a channel another node holds a live claim on is
 * skipped whole, a lapsed claim is taken over, a released one is free at once.
 */
import { expect, test } from "bun:test";
import type { Db, Param } from "../../src/store/db";
import type { Store } from "../../src/store/open";
import { ClaimContended, OutboxStore, type NewOutboxRow } from "../../src/webhooks/outbox-store";
import { describeStores } from "../support/postgres";

const T = 1_700_000_000_000;

async function seeded(fresh: () => Promise<Store>) {
  const { db } = await fresh();
  const stamp = new Date(T).toISOString();
  await db.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", ["a1", "app", stamp, stamp]);
  for (const id of ["e1", "e2"]) {
    await db.run("INSERT INTO webhook_endpoints (id, app_id, url, events, enabled, batch, created_at, updated_at) VALUES (?, 'a1', ?, '[]', 1, 0, ?, ?)", [
      id,
      `http://x/${id}`,
      stamp,
      stamp,
    ]);
  }
  const outbox = new OutboxStore(db);
  const put = (channel: string, readyMs: number, more: Partial<NewOutboxRow> = {}) =>
    outbox.insert({ endpointId: "e1", appId: "a1", channel, type: "channel_occupied", event: `{"c":"${channel}"}`, readyMs, holdKey: null, ...more });
  return { db, outbox, put };
}

describeStores("webhook outbox", (fresh) => {
  test("inserts answer their seq, skip a removed endpoint, and come out in (ready_ms, seq) order", async () => {
    const { outbox, put } = await seeded(fresh);
    const a = (await put("a", T + 5))!;
    const b = (await put("b", T))!;
    const c = (await put("c", T + 5))!;
    expect(c).toBeGreaterThan(a);
    expect(await put("x", T, { endpointId: "gone" })).toBeUndefined();
    expect((await outbox.ready("e1", T + 10, 10)).map((r) => [r.seq, r.channel])).toEqual([[b, "b"], [a, "a"], [c, "c"]]);
    expect((await outbox.ready("e1", T + 10, 10, ["a"])).map((r) => r.channel)).toEqual(["b", "c"]);
    expect((await outbox.ready("e1", T + 1, 10)).map((r) => r.channel)).toEqual(["b"]);
    expect(await outbox.nextReady("e1", T + 1)).toBe(T + 5);
    expect((await outbox.overdue("e1", T + 5, 10)).map((r) => r.channel)).toEqual(["b"]);
    expect(await outbox.pendingCounts()).toEqual(new Map([["e1", 3]]));
    const row = (await outbox.ready("e1", T, 1))[0]!;
    expect(row).toMatchObject({ seq: b, endpoint_id: "e1", app_id: "a1", type: "channel_occupied", event: '{"c":"b"}', ready_ms: T, next_attempt_ms: T, attempts: 0, hold_key: null });
  });

  test("retry, delete by seqs and endpoint, cancel held rows by seq or by key", async () => {
    const { outbox, put } = await seeded(fresh);
    const a = (await put("a", T))!;
    await outbox.retry(a, "e1", 1, T + 1000, "HTTP 500");
    expect((await outbox.ready("e1", T, 1))[0]).toMatchObject({ attempts: 1, next_attempt_ms: T + 1000 });
    expect(await outbox.delete([a], "e2")).toBe(0);
    expect(await outbox.delete([a], "e1")).toBe(1);
    // A request's rows in one statement; rows already gone (or another endpoint's) are not counted.
    const [x, y] = [(await put("x", T))!, (await put("y", T))!];
    expect(await outbox.delete([x, a, y], "e1")).toBe(2);
    expect(await outbox.delete([], "e1")).toBe(0);
    const h1 = (await put("h", T + 3000, { holdKey: "k" }))!;
    await put("h", T + 3000, { holdKey: "k", endpointId: "e2" });
    await put("h2", T + 3000, { holdKey: "k2" });
    expect((await outbox.held(T)).map((r) => [r.hold_key, r.ready_ms])).toEqual([["k", T + 3000], ["k", T + 3000], ["k2", T + 3000]]);
    expect(await outbox.cancel(h1, "k2")).toBe(false);
    expect(await outbox.cancel(h1, "k")).toBe(true);
    expect(await outbox.cancelHeld("k", T + 3000)).toEqual([]); // the window is over: nothing to cancel
    expect(await outbox.cancelHeld("k", T + 1000)).toEqual(["e2"]);
    expect(await outbox.pendingCounts()).toEqual(new Map([["e1", 1]]));
  });

  test("claims: a channel another node holds is skipped whole; lapsed claims are taken over; released ones are free", async () => {
    const { outbox, put } = await seeded(fresh);
    for (const [channel, at] of [["c1", T], ["c2", T + 1], ["c1", T + 2], ["c3", T + 3], ["c2", T + 4]] as const) await put(channel, at);
    const claim = (node: string, now: number, limit = 2) => outbox.claim("e1", { node, now, until: now + 1000, readyBy: now, limit });
    const channels = (rows: { channel: string }[]) => rows.map((r) => r.channel);
    // A takes the two oldest rows (c1, c2).
    expect(channels(await claim("A", T + 10))).toEqual(["c1", "c2"]);
    // B may not take c1's or c2's later rows while A's claims live: only c3.
    expect(channels(await claim("B", T + 20, 10))).toEqual(["c3"]);
    // A looks again: its own rows plus the rest of its channels (c3 is B's).
    expect(channels(await claim("A", T + 30, 10))).toEqual(["c1", "c2", "c1", "c2"]);
    // A dies: once its claims lapse (until T+1030), B takes its channels over, in order.
    expect(channels(await claim("B", T + 1029, 10))).toEqual(["c3"]);
    expect(channels(await claim("B", T + 1031, 10))).toEqual(["c1", "c2", "c1", "c3", "c2"]);
    // Renewing keeps them; releasing frees them for anyone at once.
    expect(await outbox.renew("B", T + 5000)).toBe(5);
    expect(channels(await claim("A", T + 4000, 10))).toEqual([]);
    expect(await outbox.release("B")).toBe(5);
    expect(channels(await claim("A", T + 4000, 1))).toEqual(["c1"]);
    // Channels blocked locally can be skipped too.
    expect(channels(await outbox.claim("e1", { node: "A", now: T + 4000, until: T + 5000, readyBy: T + 4000, limit: 10, except: ["c1", "c3"] }))).toEqual(["c2", "c2"]);
  });

  test("claims only rows due by readyBy, and only of their endpoint", async () => {
    const { outbox, put } = await seeded(fresh);
    await put("held", T + 3000, { holdKey: "k" });
    await put("other", T, { endpointId: "e2" });
    await put("due", T);
    const rows = await outbox.claim("e1", { node: "A", now: T, until: T + 1000, readyBy: T, limit: 10 });
    expect(rows.map((r) => r.channel)).toEqual(["due"]);
    // The held row is still cancellable (a claim never touches a row inside its window).
    expect(await outbox.cancelHeld("k", T)).toEqual(["e1"]);
  });

  test("a claim gives way to writes holding its rows, and to another claimer of the endpoint (PostgreSQL)", async () => {
    const { db, outbox, put } = await seeded(fresh);
    const a = (await put("c1", T))!;
    await put("c2", T);
    const claim = () => outbox.claim("e1", { node: "A", now: T, until: T + 1000, readyBy: T, limit: 10 });
    // An endpoint deleted meanwhile has nothing to claim (and no turn to wait for).
    expect(await outbox.claim("gone", { node: "A", now: T, until: T + 1000, readyBy: T, limit: 10 })).toEqual([]);
    if (db.dialect === "sqlite") {
      // One statement under the database's write lock: nothing to give way to.
      expect((await claim()).map((r) => r.channel)).toEqual(["c1", "c2"]);
      return;
    }
    // A tick's transaction deleting a row (a request's completion), still open.
    const writer = await lockedBy(db, "DELETE FROM webhook_outbox WHERE seq = ?", [a]);
    const started = Date.now();
    await expect(claim()).rejects.toBeInstanceOf(ClaimContended);
    expect(Date.now() - started).toBeLessThan(900); // gave way, not PostgreSQL's 1 s deadlock check
    await writer.end();
    expect((await claim()).map((r) => r.channel)).toEqual(["c2"]);
    // A renewal skips the rows a tick is writing instead of waiting for them.
    const c3 = (await put("c3", T))!;
    expect((await claim()).map((r) => r.channel)).toEqual(["c2", "c3"]);
    const retrying = await lockedBy(db, "UPDATE webhook_outbox SET attempts = 1 WHERE seq = ?", [c3]);
    expect(await outbox.renew("A", T + 5000)).toBe(1);
    await retrying.end();
    expect(await outbox.renew("A", T + 6000)).toBe(2);
    // Another claimer holds the endpoint's turn.
    const other = await lockedBy(db, "SELECT id FROM webhook_endpoints WHERE id = ? FOR NO KEY UPDATE", ["e1"]);
    await expect(claim()).rejects.toBeInstanceOf(ClaimContended);
    await other.end();
  });
});

/** Runs `sql` in a transaction of its own and keeps it open (its row locks held) until `end`. */
async function lockedBy(db: Db, sql: string, params: Param[]): Promise<{ end: () => Promise<void> }> {
  let finish!: () => void;
  const held = new Promise<void>((resolve) => (finish = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const done = db.transaction(async (tx) => {
    await tx.all(sql, params);
    locked();
    await held;
  });
  await Promise.race([isLocked, done]); // a failing statement fails the test here, not by a timeout
  return {
    end: () => {
      finish();
      return done;
    },
  };
}
