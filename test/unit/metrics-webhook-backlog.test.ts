/**
 * The webhook backlog gauge over a real migrated outbox: due rows count (retries included), held rows
 * not yet due do not, and the age is that of the oldest due row; reading it never touches the
 * database (the last sample stays, its age growing with the clock).
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/store/database";
import { SqliteDb } from "../../src/store/sqlite";
import { WebhookBacklogGauge, type WebhookBacklog } from "../../src/metrics/webhook-backlog";

const NOW = 1_705_321_805_000;
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

function outbox(): { db: SqliteDb; add: (readyMs: number, nextAttemptMs?: number, holdKey?: string) => void } {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-backlog-"));
  const db = openDatabase(dir);
  cleanup.push(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  db.exec("PRAGMA foreign_keys = OFF"); // rows only; no app or endpoint needed for the count
  const insert = db.query(
    `INSERT INTO webhook_outbox (endpoint_id, app_id, channel, type, event, ready_ms, next_attempt_ms, hold_key)
     VALUES ('e1', 'a1', 'c', 'channel_occupied', '{}', ?1, ?2, ?3)`,
  );
  return { db: new SqliteDb(db), add: (readyMs, nextAttemptMs = readyMs, holdKey) => void insert.run(readyMs, nextAttemptMs, holdKey ?? null) };
}

async function sampled(db: SqliteDb, now: number): Promise<WebhookBacklog> {
  const gauge = new WebhookBacklogGauge();
  await gauge.sample(db, now);
  return gauge.read(now);
}

test("an empty outbox: nothing pending, age 0", async () => {
  expect(await sampled(outbox().db, NOW)).toEqual({ pending: 0, oldestAgeSeconds: 0 });
});

test("due rows count, retries waiting included; a held row not yet due does not", async () => {
  const { db, add } = outbox();
  add(NOW - 90_500, NOW + 30_000); // failed, waiting for its retry: still pending
  add(NOW - 1_000);
  add(NOW);
  add(NOW + 2_000, NOW + 2_000, "a1:e1:vacated:c"); // held channel_vacated, due in 2 s
  expect(await sampled(db, NOW)).toEqual({ pending: 3, oldestAgeSeconds: 90.5 });
  expect(await sampled(db, NOW + 2_000)).toEqual({ pending: 4, oldestAgeSeconds: 92.5 });
});

test("reading the gauge gives the last sample without the database; the age grows until the next sample", async () => {
  const { db, add } = outbox();
  add(NOW - 10_000);
  const gauge = new WebhookBacklogGauge();
  expect(gauge.read(NOW)).toEqual({ pending: 0, oldestAgeSeconds: 0 }); // never sampled yet
  await gauge.sample(db, NOW);
  add(NOW - 20_000); // not seen until the next sample
  expect(gauge.read(NOW + 1_500)).toEqual({ pending: 1, oldestAgeSeconds: 11.5 });
  await gauge.sample(db, NOW + 1_500);
  expect(gauge.read(NOW + 1_500)).toEqual({ pending: 2, oldestAgeSeconds: 21.5 });
});
