/**
 * New outbox rows, many per statement (src/webhooks/outbox-insert.ts), on both dialects: seqs follow
 * the order the rows were given across interleaved channels and endpoints, rows of a missing endpoint
 * are skipped and said, each row gets its own seq back, and a statement holds at most 256 rows.
 */
import { describe, expect, test } from "bun:test";
import type { Db, Param } from "../../src/store/db";
import type { Store } from "../../src/store/open";
import type { WebhookEventType } from "../../src/webhooks/event-types";
import { insertRows, matchSeqs, ROWS_PER_STATEMENT } from "../../src/webhooks/outbox-insert";
import { OutboxStore, type NewOutboxRow } from "../../src/webhooks/outbox-store";
import { describeStores, usePostgres } from "../support/postgres";
import { withPostgresStore } from "../support/pg-store";
import { RecordingDb } from "../support/recording-db";

const T = 1_700_000_000_000;

async function seeded(fresh: () => Promise<Store>) {
  const { db } = await fresh();
  const stamp = new Date(T).toISOString();
  await db.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", ["a1", "app", stamp, stamp]);
  for (const id of ["e1", "e2", "removed"]) {
    await db.run("INSERT INTO webhook_endpoints (id, app_id, url, events, enabled, batch, created_at, updated_at) VALUES (?, 'a1', ?, '[]', 1, 0, ?, ?)", [
      id,
      `http://x/${id}`,
      stamp,
      stamp,
    ]);
  }
  await db.run("DELETE FROM webhook_endpoints WHERE id = 'removed'");
  return new RecordingDb(db);
}

const ENDPOINTS = ["e1", "removed", "e2", "e2", "never", "e1", "e1"];

/** Row i: endpoints and channels interleaved (7 endpoint slots, 5 channels); every third row held. */
function rows(n: number): NewOutboxRow[] {
  return Array.from({ length: n }, (_, i) => ({
    endpointId: ENDPOINTS[i % ENDPOINTS.length]!,
    appId: "a1",
    channel: `c${i % 5}`,
    type: (i % 3 === 0 ? "member_removed" : "member_added") as WebhookEventType,
    event: JSON.stringify({ i }),
    readyMs: i % 3 === 0 ? T + 3000 : T,
    holdKey: i % 3 === 0 ? `k${i}` : null,
  }));
}

const exists = (r: NewOutboxRow) => r.endpointId === "e1" || r.endpointId === "e2";

describeStores("outbox insert of many rows", (fresh) => {
  for (const n of [1, 7, 600]) {
    test(`${n} rows: seqs ascend in the order given; rows of missing endpoints are skipped; ${Math.ceil(n / ROWS_PER_STATEMENT)} statement(s)`, async () => {
      const db = await seeded(fresh);
      const given = rows(n);
      const before = db.statements.length;
      const seqs = await new OutboxStore(db).insertMany(given);
      expect(db.statements.slice(before).filter((s) => s.startsWith("INSERT"))).toHaveLength(Math.ceil(n / ROWS_PER_STATEMENT));
      expect(seqs).toHaveLength(n);
      expect(given.filter((r, i) => (seqs[i] === undefined) === exists(r))).toEqual([]);
      const written = seqs.filter((s): s is number => s !== undefined);
      expect(written).toEqual([...written].sort((a, b) => a - b));
      expect(new Set(written).size).toBe(written.length);
      // Each seq names the row it was given for, column for column.
      const stored = await db.all<Record<string, unknown>>(
        "SELECT seq, endpoint_id, app_id, channel, type, event, ready_ms, next_attempt_ms, attempts, hold_key FROM webhook_outbox ORDER BY seq",
      );
      const expected = given.flatMap((r, i) =>
        seqs[i] === undefined
          ? []
          : [{ seq: seqs[i], endpoint_id: r.endpointId, app_id: "a1", channel: r.channel, type: r.type, event: r.event, ready_ms: r.readyMs, next_attempt_ms: r.readyMs, attempts: 0, hold_key: r.holdKey }],
      );
      expect(stored).toEqual(expected);
    });
  }

  test("the dispatcher's order: an endpoint's due rows (of 5 channels) come out as given", async () => {
    const db = await seeded(fresh);
    const outbox = new OutboxStore(db);
    const given = rows(600);
    await outbox.insertMany(given);
    for (const endpoint of ["e1", "e2"]) {
      const due = await outbox.ready(endpoint, T, 1000);
      const expected = given.filter((r) => r.endpointId === endpoint && r.readyMs === T).map((r) => r.event);
      expect(expected.length).toBeGreaterThan(100);
      expect(due.map((r) => r.event)).toEqual(expected);
    }
  });

  test("statements of one transaction take later seqs than the statements before them; nothing is written for no rows", async () => {
    const db = await seeded(fresh);
    const outbox = new OutboxStore(db);
    const [first, second] = await db.transaction(async (tx) => [await outbox.on(tx).insertMany(rows(3)), await outbox.on(tx).insertMany(rows(3))]);
    expect(first).toEqual([expect.any(Number), undefined, expect.any(Number)]);
    expect(second![0]).toBeGreaterThan(first![2]!);
    const before = db.statements.length;
    expect(await outbox.insertMany([])).toEqual([]);
    expect(db.statements.length).toBe(before);
    // A single row goes through the same statement.
    expect(await outbox.insert(rows(2)[1]!)).toBeUndefined();
    expect(await outbox.insert(rows(1)[0]!)).toBeGreaterThan(second![2]!);
  });
});

describe("outbox insert on one PostgreSQL connection", () => {
  const pg = usePostgres();

  // Each SQL text with each set of parameter types is a prepared statement the connection keeps for
  // good. Which rows are held (hold_key NULL or text) and how many padding rows a chunk has change
  // from tick to tick: none of that may make a new one, or a busy node would collect thousands.
  test("ticks with every mix of held rows and padding reuse one prepared statement per chunk size", async () => {
    await withPostgresStore(pg, async (store) => {
      const db = await seeded(async () => store);
      const prepared = await db.transaction(async (tx) => {
        const outbox = new OutboxStore(tx);
        for (let n = 1; n <= 40; n++) {
          for (const shift of [0, 1, 2]) await outbox.insertMany(rows(n + shift).slice(shift));
        }
        return tx.all<{ n: number }>("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO webhook_outbox%'");
      });
      // Chunks of 1–40 rows: sizes 1, 2, 4, 8, 16, 32 and 64.
      expect(prepared).toEqual([{ n: 7 }]);
    });
  });
});

/** A port that only records what it is asked and answers that nothing was inserted. */
function capturing(): Db & { calls: { sql: string; params: readonly Param[] }[] } {
  const calls: { sql: string; params: readonly Param[] }[] = [];
  const unused = () => Promise.reject(new Error("not used by inserts"));
  return {
    dialect: "sqlite",
    calls,
    all: async <T>(sql: string, params: readonly Param[] = []) => {
      calls.push({ sql, params });
      return [] as T[];
    },
    get: unused,
    run: unused,
    exec: unused,
    transaction: unused,
    close: unused,
  };
}

test("chunks of 1–256 rows make 9 SQL texts; padding rows bind NULL (no endpoint: never inserted)", async () => {
  const db = capturing();
  for (let n = 1; n <= 600; n++) await insertRows(db, rows(n));
  expect(new Set(db.calls.map((c) => c.sql)).size).toBe(9);
  for (const { sql, params } of db.calls) {
    expect(sql.split("?").length - 1).toBe(params.length);
    expect(params.length / 7).toBeLessThanOrEqual(ROWS_PER_STATEMENT);
  }
  const three = db.calls[2]!; // n = 1, 2, 3: one statement each
  expect(three.params.slice(0, 21)).toEqual(rows(3).flatMap((r) => [r.endpointId, r.appId, r.channel, r.type, r.event, r.readyMs, r.holdKey]));
  expect(three.params.slice(21)).toEqual(new Array(7).fill(null));
});

test("seqs are matched to rows by endpoint and order, whatever order RETURNING answers in; a partial answer is an error", () => {
  const given = rows(7); // endpoints e1, removed, e2, e2, never, e1, e1
  const answered = [
    { seq: 13, endpoint_id: "e1" },
    { seq: 10, endpoint_id: "e1" },
    { seq: 12, endpoint_id: "e2" },
    { seq: 11, endpoint_id: "e2" },
    { seq: 14, endpoint_id: "e1" },
  ];
  // Seqs ascend in row order, so sorted they are the rows of found endpoints in the order given.
  const sorted = [10, 11, 12, 13, 14];
  expect(matchSeqs(given, [...answered])).toEqual([sorted[0], undefined, sorted[1], sorted[2], undefined, sorted[3], sorted[4]]);
  expect(matchSeqs(given, [])).toEqual(new Array(7).fill(undefined));
  // e1 has three rows but only two seqs: never guessed which one is missing.
  expect(() => matchSeqs(given, answered.slice(1))).toThrow(/given/);
  // Seqs that do not ascend in row order (e2's rows before e1's first) cannot be matched.
  expect(() => matchSeqs(given, answered.map((r) => ({ ...r, seq: r.endpoint_id === "e2" ? r.seq - 5 : r.seq })))).toThrow(/got a seq of e2/);
});
