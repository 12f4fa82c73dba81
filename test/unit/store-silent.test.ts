/**
 * A PostgreSQL that goes silent (host lost, network cut: the connection stays open, nothing answers)
 * must not hang the node: a statement answers StoreUnavailable once its deadline passes, and the
 * health probe says degraded within its own, shorter timeout. A TCP proxy in front of a real
 * PostgreSQL stops forwarding to make it silent.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { StoreUnavailable } from "../../src/store/db";
import { StoreHealth } from "../../src/store/health";
import { PostgresDb } from "../../src/store/postgres";
import { usePostgres } from "../support/postgres";

const pg = usePostgres();
let silent = false;
let proxy: TCPSocketListener<{ up?: Socket; early: Uint8Array[] }>;

beforeAll(() => {
  proxy = Bun.listen<{ up?: Socket; early: Uint8Array[] }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      async open(client) {
        client.data = { early: [] };
        client.data.up = await Bun.connect({
          hostname: "127.0.0.1",
          port: pg().port,
          socket: {
            data: (_up, bytes) => void (silent || client.write(bytes)),
            close: () => void client.end(),
          },
        });
        for (const bytes of client.data.early) client.data.up.write(bytes);
      },
      data(client, bytes) {
        if (silent) return;
        if (client.data.up) client.data.up.write(bytes);
        else client.data.early.push(new Uint8Array(bytes));
      },
      close: (client) => void client.data.up?.end(),
    },
  });
});
afterAll(() => proxy?.stop(true));

test("a silent server: a statement answers StoreUnavailable at its deadline, the health probe says degraded", async () => {
  const direct = await pg().freshDatabase();
  const db = new PostgresDb(direct.replace(`:${pg().port}/`, `:${proxy.port}/`), { queryTimeoutMs: 800 });
  const lines: string[] = [];
  const health = new StoreHealth(db, db.label, (line) => lines.push(line));
  try {
    expect(await db.get("SELECT 1 AS one")).toEqual({ one: 1 });
    await health.check(300);
    expect(health.healthy()).toBe(true);

    silent = true;
    const started = Date.now();
    const failed = await db.get("SELECT 2 AS two").catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(StoreUnavailable);
    expect((failed as Error).message).toBe(`PostgreSQL at ${db.label} is unavailable: no answer within 0.8 s`);
    expect(Date.now() - started).toBeLessThan(5000);

    await health.check(300);
    expect(health.healthy()).toBe(false);
    expect(lines).toEqual([`mawjly: the database ${db.label} did not answer within 0.3 s; connected clients keep working, writes answer 503 until it is back`]);
  } finally {
    silent = false;
    await Promise.race([db.close(), Bun.sleep(2000)]);
  }
});

test("a silent server: a transaction whose COMMIT never returns answers StoreUnavailable; a long one is not cut short", async () => {
  const direct = await pg().freshDatabase();
  const db = new PostgresDb(direct.replace(`:${pg().port}/`, `:${proxy.port}/`), { queryTimeoutMs: 800 });
  try {
    // Longer than the deadline in all, every statement within it: not cut short.
    const long = await db.transaction(async (tx) => {
      for (let i = 0; i < 3; i++) await tx.get("SELECT pg_sleep(0.4) AS slept");
      return "done";
    });
    expect(long).toBe("done");

    const started = Date.now();
    const failed = await db
      .transaction(async (tx) => {
        await tx.get("SELECT 1 AS one");
        silent = true; // the COMMIT that follows gets no answer
      })
      .catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(StoreUnavailable);
    expect((failed as Error).message).toBe(`PostgreSQL at ${db.label} is unavailable: no answer within 0.8 s`);
    expect(Date.now() - started).toBeLessThan(5000);
  } finally {
    silent = false;
    await Promise.race([db.close(), Bun.sleep(2000)]);
  }
});
