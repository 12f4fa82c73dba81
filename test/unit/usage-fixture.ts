/**
 * The usage tests' fixture: a UsageRecorder over a real migrated database in a temp dir, a fake clock
 * and a real bus. A test file calls `cleanUpAfterEach()` once.
 */
import { afterEach } from "bun:test";
import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LifecycleBus } from "../../src/engine/bus";
import { UsageRecorder } from "../../src/metrics/usage";
import { openDatabase } from "../../src/store/database";
import { SqliteDb } from "../../src/store/sqlite";
import { FakeClock } from "./fakes";

export const T0 = Date.UTC(2024, 0, 15, 12, 30, 5); // 12:30:05 UTC
export const MIN0 = Math.floor(T0 / 60_000);

/** Run in order after each test; a recorder's stop is put first, before its database is closed. */
export const cleanup: Array<() => unknown> = [];
export function cleanUpAfterEach(): void {
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });
}

export function database(): Database {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-usage-"));
  const db = openDatabase(dir);
  cleanup.push(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

/** A started recorder whose connection counts are whatever the test puts in `live`. */
export function setup() {
  const db = database();
  const bus = new LifecycleBus();
  const clock = new FakeClock(T0);
  const live = new Map<string, number>();
  const usage = new UsageRecorder({ db: new SqliteDb(db), bus, clock, connections: () => live.entries() });
  usage.start();
  cleanup.unshift(() => usage.stop());
  const api = (appId: string, recipients: number, channel = "c") =>
    bus.emit("api_message", { appId, channel, event: "e", data: "{}", recipients });
  const client = (appId: string, channel = "private-c", recipients = 1) =>
    bus.emit("client_event", { appId, channel, event: "client-e", data: "{}", socketId: "1.1", recipients });
  const rows = () => db.query("SELECT * FROM usage_minutes ORDER BY app_id, minute").all();
  return { db, bus, clock, live, usage, api, client, rows };
}

export const row = (appId: string, minute: number, over: Record<string, number> = {}) => ({
  app_id: appId,
  minute,
  connections_peak: 0,
  connections_sum: 0,
  samples: 0,
  api_messages: 0,
  client_messages: 0,
  delivered: 0,
  ...over,
});
