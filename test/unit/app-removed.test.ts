/** What a deleted app leaves behind: nothing in the debug console's memory or the usage rollups. */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DebugLog } from "../../src/dashboard/debug-log";
import { LifecycleBus } from "../../src/engine/bus";
import { UsageRecorder } from "../../src/metrics/usage";
import { openDatabase } from "../../src/store/database";
import { SqliteDb } from "../../src/store/sqlite";
import { FakeClock, Harness, makeApp } from "./fakes";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test("the engine announces a deleted app once its directory no longer knows it", () => {
  const app = makeApp();
  const h = new Harness([app]);
  const removed: string[] = [];
  h.engine.bus.on("app_removed", (e) => removed.push(e.appId));
  h.engine.reload(app.id);
  expect(removed).toEqual([]);
  h.directory.remove(app.id);
  h.engine.reload(app.id);
  expect(removed).toEqual([app.id]);
});

test("app_removed drops the app's debug ring and its usage rows", async () => {
  const bus = new LifecycleBus();
  const log = new DebugLog(10, () => 0);
  log.start(bus);
  bus.emit("connected", { appId: "a1", socketId: "1.1" });
  bus.emit("connected", { appId: "a2", socketId: "2.2" });

  const dir = mkdtempSync(join(tmpdir(), "mawjly-removed-"));
  dirs.push(dir);
  const db = openDatabase(dir);
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const usage = new UsageRecorder({ db: new SqliteDb(db), bus, clock, connections: () => [] });
  usage.start();
  bus.emit("api_message", { appId: "a1", channel: "c", event: "e", data: "{}", recipients: 3 });
  await usage.flush();
  const rows = () => (db.query("SELECT COUNT(*) AS n FROM usage_minutes WHERE app_id = 'a1'").get() as { n: number }).n;
  expect(rows()).toBe(1);

  bus.emit("app_removed", { appId: "a1" });
  expect(log.recent("a1")).toEqual([]);
  expect(log.recent("a2").map((e) => e.type)).toEqual(["connected"]);
  await usage.flush(); // the deletion is queued behind any write in progress; this one waits for it
  expect(rows()).toBe(0);
  await usage.stop();
  db.close();
});
