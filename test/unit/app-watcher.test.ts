/**
 * The change watcher reports apps changed by another connection (the CLI, another host's node), each
 * change once; an app created and deleted between two polls while live here; and it survives a store
 * that cannot be read, saying so at most once a minute.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appProblemReporter } from "../../src/apps/problems";
import { AppStore } from "../../src/apps/store";
import { AppChangeWatcher } from "../../src/apps/watcher";
import { openDatabase } from "../../src/store/database";
import { openStore } from "../../src/store/open";
import { SqliteDb } from "../../src/store/sqlite";
import { usePostgres } from "../support/postgres";
import { makeApp } from "./fakes";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

/** Two connections to one database file: the server's, and another process's. */
function twoConnections() {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-app-watcher-"));
  const ours = new SqliteDb(openDatabase(dir));
  const theirs = new SqliteDb(openDatabase(dir));
  cleanup.push(() => ours.close(), () => theirs.close(), () => rmSync(dir, { recursive: true, force: true }));
  return { ours: new AppStore(ours), theirs: new AppStore(theirs) };
}

test("changes committed by another connection are reported once each; an idle poll reports nothing", async () => {
  const { ours, theirs } = twoConnections();
  await theirs.insert(makeApp({ id: "a1", key: "k1" }));
  const seen: string[] = [];
  const watcher = new AppChangeWatcher(ours, (id) => seen.push(id));
  await watcher.prime();

  await watcher.poll();
  expect(seen).toEqual([]);
  await theirs.insert(makeApp({ id: "a2", key: "k2" }));
  await theirs.update({ ...makeApp({ id: "a1", key: "k1" }), enabled: false });
  await watcher.poll();
  expect(seen.sort()).toEqual(["a1", "a2"]);

  seen.length = 0;
  await theirs.addKey("a2", { key: "k2b", secret: "s", createdAt: "2030-01-01T00:00:00.000Z" });
  await watcher.poll();
  expect(seen).toEqual(["a2"]);

  seen.length = 0;
  await theirs.delete("a1");
  await watcher.poll();
  await watcher.poll();
  expect(seen).toEqual(["a1"]);
});

test("this process's own changes, synced right after, are not reported again by the next poll", async () => {
  const { ours } = twoConnections();
  const seen: string[] = [];
  const watcher = new AppChangeWatcher(ours, (id) => seen.push(id));
  await watcher.prime();
  await ours.insert(makeApp({ id: "a1", key: "k1" }));
  await watcher.sync();
  expect(seen).toEqual(["a1"]);
  await watcher.poll();
  expect(seen).toEqual(["a1"]);
});

test("an app created and deleted by others between two polls is reported when it is live here", async () => {
  const { ours, theirs } = twoConnections();
  const live = new Set<string>();
  const seen: string[] = [];
  const watcher = new AppChangeWatcher(ours, (id) => seen.push(id), () => live);
  await watcher.prime();
  await theirs.insert(makeApp({ id: "brief", key: "k-brief" }));
  live.add("brief"); // a socket connected with its key before any poll
  await theirs.delete("brief");
  await watcher.poll();
  expect(seen).toEqual(["brief"]);
});

test("a failing poll is said once a minute at most, and the first poll that succeeds reports what changed", async () => {
  const { ours, theirs } = twoConnections();
  let down = false;
  const flaky = new Proxy(ours, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => (down ? Promise.reject(new Error("connection refused")) : value.apply(target, args));
    },
  });
  let now = 0;
  const lines: string[] = [];
  const seen: string[] = [];
  const watcher = new AppChangeWatcher(flaky, (id) => seen.push(id), () => [], appProblemReporter(() => now, (l) => lines.push(l)));
  await watcher.prime();

  down = true;
  for (let i = 0; i < 5; i++) {
    await watcher.poll();
    now += 1000;
  }
  expect(lines).toEqual(["mawjly: apps change watch failed: connection refused"]);
  now += 60_000;
  await watcher.poll();
  expect(lines.length).toBe(2);

  await theirs.insert(makeApp({ id: "a1", key: "k1" }));
  down = false;
  await watcher.poll();
  expect(seen).toEqual(["a1"]);
});

test("start polls on its own; stop waits for a poll under way", async () => {
  const { ours, theirs } = twoConnections();
  const seen: string[] = [];
  const watcher = new AppChangeWatcher(ours, (id) => seen.push(id));
  await watcher.start(10);
  await theirs.insert(makeApp({ id: "a1", key: "k1" }));
  const deadline = Date.now() + 2000;
  while (seen.length === 0 && Date.now() < deadline) await Bun.sleep(5);
  await watcher.stop();
  expect(seen).toEqual(["a1"]);
});

describe("on PostgreSQL (nodes on several hosts)", () => {
  const pg = usePostgres();

  /** Two nodes' stores on one database (separate pools, as on two hosts). */
  async function twoNodes() {
    const url = await pg().freshDatabase();
    const a = await openStore({ dataDir: "/nonexistent", databaseUrl: url });
    const b = await openStore({ dataDir: "/nonexistent", databaseUrl: url });
    cleanup.push(() => a.close(), () => b.close());
    return { ours: new AppStore(a.db), theirs: new AppStore(b.db) };
  }

  test("another node's changes are reported; concurrent writers on two nodes never share a revision", async () => {
    const { ours, theirs } = await twoNodes();
    const seen: string[] = [];
    const watcher = new AppChangeWatcher(ours, (id) => seen.push(id));
    await watcher.prime();
    await theirs.insert(makeApp({ id: "a1", key: "k1" }));
    await watcher.poll();
    expect(seen).toEqual(["a1"]);

    const ids = Array.from({ length: 8 }, (_, i) => `c${i}`);
    await Promise.all(ids.map((id, i) => (i % 2 === 0 ? ours : theirs).insert(makeApp({ id, key: `k-${id}` }))));
    await Promise.all(ids.map((id, i) => (i % 2 === 0 ? theirs : ours).update({ ...makeApp({ id, key: `k-${id}` }), name: "changed" })));
    const revisions = [...(await ours.revisions()).values()];
    expect(new Set(revisions).size).toBe(revisions.length);
    seen.length = 0;
    await watcher.poll();
    expect(seen.sort()).toEqual(ids);
  });

  test("while PostgreSQL is down the watcher says so once and goes on; once it is back, changes are reported", async () => {
    const { ours, theirs } = await twoNodes();
    const lines: string[] = [];
    const seen: string[] = [];
    const watcher = new AppChangeWatcher(ours, (id) => seen.push(id), () => [], appProblemReporter(Date.now, (l) => lines.push(l)));
    await watcher.prime();
    await pg().pause();
    try {
      for (let i = 0; i < 3; i++) await watcher.poll();
    } finally {
      await pg().resume();
    }
    expect(lines.length).toBe(1);
    expect(lines[0]).toStartWith("mawjly: apps change watch failed: PostgreSQL at postgres://");
    await theirs.insert(makeApp({ id: "after", key: "k-after" }));
    await watcher.poll();
    expect(seen).toEqual(["after"]);
  });
});
