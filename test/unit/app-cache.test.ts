/**
 * The AppCache is the engine's AppDirectory on the connect and trigger paths: after `load()` it
 * answers from memory only (an unknown key reads nothing), and one app is re-read when it changes,
 * the last read winning even when reads finish out of order, and retried while the store fails.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppCache } from "../../src/apps/cache";
import { SqliteAppPeek } from "../../src/apps/peek";
import { AppStore } from "../../src/apps/store";
import type { App } from "../../src/engine/app";
import type { Db, Param } from "../../src/store/db";
import { openDatabase } from "../../src/store/database";
import { SqliteDb } from "../../src/store/sqlite";
import { makeApp } from "./fakes";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

/** A store port that counts the statements it is asked, over a fresh migrated SQLite database. */
function counted() {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-app-cache-"));
  const raw = openDatabase(dir);
  const db = new SqliteDb(raw);
  cleanup.push(() => db.close(), () => rmSync(dir, { recursive: true, force: true }));
  let reads = 0;
  const port: Db = {
    dialect: "sqlite",
    all: <T>(sql: string, params?: readonly Param[]) => (reads++, db.all<T>(sql, params)),
    get: <T>(sql: string, params?: readonly Param[]) => (reads++, db.get<T>(sql, params)),
    run: (sql, params) => db.run(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
  };
  return { raw, store: new AppStore(port), reads: () => reads };
}

test("after load, known and unknown keys and ids are answered without reading the store", async () => {
  const { store, reads } = counted();
  await store.insert(makeApp({ id: "a1", key: "k1" }));
  await store.addKey("a1", { key: "k2", secret: "s2", createdAt: "2030-01-01T00:00:00.000Z" });
  const cache = new AppCache(store);
  await cache.load();
  const before = reads();
  expect(cache.byKey("k1")!.id).toBe("a1");
  expect(cache.byKey("k2")!.id).toBe("a1");
  expect(cache.byId("a1")!.keys.length).toBe(2);
  expect(cache.byKey("unknown")).toBeUndefined();
  expect(cache.byId("unknown")).toBeUndefined();
  expect(reads()).toBe(before);
  expect(cache.size).toBe(1);
});

test("reload applies one app's change: a revoked key stops resolving, a deleted app is forgotten with its keys", async () => {
  const { store } = counted();
  await store.insert(makeApp({ id: "a1", key: "k1", createdAt: "2026-01-01T00:00:00.000Z" }));
  await store.addKey("a1", { key: "k2", secret: "s2", createdAt: "2026-01-02T00:00:00.000Z" });
  const cache = new AppCache(store);
  await cache.load();

  await store.revokeKey("a1", "k1", "2026-01-03T00:00:00.000Z");
  expect(cache.byKey("k1")).toBeDefined(); // not yet told
  await cache.reload("a1");
  expect(cache.byKey("k1")).toBeUndefined();
  expect(cache.byKey("k2")!.key).toBe("k2");

  await store.insert(makeApp({ id: "a2", key: "k3", accountId: null }));
  await cache.reload("a2");
  expect(cache.byKey("k3")!.id).toBe("a2");

  await store.delete("a1");
  await cache.reload("a1");
  expect(cache.byId("a1")).toBeUndefined();
  expect(cache.byKey("k2")).toBeUndefined();
  expect(cache.size).toBe(1);
});

test("re-reads of one app run in order, so a slow older read cannot overwrite a newer one", async () => {
  const versions: App[] = [makeApp({ id: "a1", name: "old" }), makeApp({ id: "a1", name: "new" })];
  let call = 0;
  const store = {
    list: async () => [],
    // The first read takes long and answers the old version; the second would be quick with the new one.
    byId: async () => {
      const mine = call++;
      await Bun.sleep(mine === 0 ? 30 : 0);
      return versions[mine];
    },
  } as unknown as AppStore;
  const cache = new AppCache(store);
  await cache.load();
  await Promise.all([cache.reload("a1"), cache.reload("a1")]);
  expect(cache.byId("a1")!.name).toBe("new");
});

test("refresh retries while the store fails, says so, and resolves once the app was read", async () => {
  let failures = 2;
  const store = {
    list: async () => [],
    byId: async () => {
      if (failures-- > 0) throw new Error("connection refused");
      return makeApp({ id: "a1" });
    },
  } as unknown as AppStore;
  const said: string[] = [];
  const cache = new AppCache(store, { retryMs: 5, report: (what, err) => said.push(`${what}: ${(err as Error).message}`) });
  await cache.load();
  await expect(cache.reload("a1")).rejects.toThrow("connection refused");
  await cache.refresh("a1");
  expect(cache.byId("a1")!.id).toBe("a1");
  expect(said).toEqual(["re-reading app a1: connection refused"]);
});

test("with a SQLite peek, a miss looks in the file, so an app another process just created works at once", async () => {
  const { raw, store } = counted();
  const cache = new AppCache(store, { peek: new SqliteAppPeek(raw) });
  await cache.load();
  // Another process (the CLI) writes to the same file.
  await new AppStore(new SqliteDb(raw)).insert(makeApp({ id: "cli", key: "k-cli" }));
  expect(cache.byKey("k-cli")!.id).toBe("cli");
  expect(cache.byId("cli")!.key).toBe("k-cli");
  expect(cache.byKey("unknown")).toBeUndefined();
});
