/**
 * The webhook backlog gauge over a real migrated outbox: due rows count (retries included), held rows
 * not yet due do not, and the age is that of the oldest due row; reading it never touches the
 * database (the last sample stays, its age growing with the clock).
 */
import { expect, test } from "bun:test";
import type { Db } from "../../src/store/db";
import type { Store } from "../../src/store/open";
import { WebhookBacklogGauge, type WebhookBacklog } from "../../src/metrics/webhook-backlog";
import { describeStores } from "../support/postgres";

const NOW = 1_705_321_805_000;

/** An outbox with one app and endpoint; `add` writes a row directly. */
async function outbox(fresh: () => Promise<Store>): Promise<{ db: Db; add: (readyMs: number, nextAttemptMs?: number, holdKey?: string) => Promise<void> }> {
  const { db } = await fresh();
  const stamp = new Date(NOW).toISOString();
  await db.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES ('a1', 'app', ?, ?)", [stamp, stamp]);
  await db.run("INSERT INTO webhook_endpoints (id, app_id, url, events, enabled, batch, created_at, updated_at) VALUES ('e1', 'a1', 'http://x/', '[]', 1, 0, ?, ?)", [stamp, stamp]);
  const add = async (readyMs: number, nextAttemptMs = readyMs, holdKey?: string) => {
    await db.run(
      `INSERT INTO webhook_outbox (endpoint_id, app_id, channel, type, event, ready_ms, next_attempt_ms, hold_key)
       VALUES ('e1', 'a1', 'c', 'channel_occupied', '{}', ?, ?, ?)`,
      [readyMs, nextAttemptMs, holdKey ?? null],
    );
  };
  return { db, add };
}

async function sampled(db: Db, now: number): Promise<WebhookBacklog> {
  const gauge = new WebhookBacklogGauge();
  await gauge.sample(db, now);
  return gauge.read(now);
}

describeStores("webhook backlog gauge", (fresh) => {
  test("an empty outbox: nothing pending, age 0", async () => {
    expect(await sampled((await outbox(fresh)).db, NOW)).toEqual({ pending: 0, oldestAgeSeconds: 0 });
  });

  test("due rows count, retries waiting included; a held row not yet due does not", async () => {
    const { db, add } = await outbox(fresh);
    await add(NOW - 90_500, NOW + 30_000); // failed, waiting for its retry: still pending
    await add(NOW - 1_000);
    await add(NOW);
    await add(NOW + 2_000, NOW + 2_000, "a1:e1:vacated:c"); // held channel_vacated, due in 2 s
    expect(await sampled(db, NOW)).toEqual({ pending: 3, oldestAgeSeconds: 90.5 });
    expect(await sampled(db, NOW + 2_000)).toEqual({ pending: 4, oldestAgeSeconds: 92.5 });
  });

  test("reading the gauge gives the last sample without the database; the age grows until the next sample", async () => {
    const { db, add } = await outbox(fresh);
    await add(NOW - 10_000);
    const gauge = new WebhookBacklogGauge();
    expect(gauge.read(NOW)).toEqual({ pending: 0, oldestAgeSeconds: 0 }); // never sampled yet
    await gauge.sample(db, NOW);
    await add(NOW - 20_000); // not seen until the next sample
    expect(gauge.read(NOW + 1_500)).toEqual({ pending: 1, oldestAgeSeconds: 11.5 });
    await gauge.sample(db, NOW + 1_500);
    expect(gauge.read(NOW + 1_500)).toEqual({ pending: 2, oldestAgeSeconds: 21.5 });
  });
});
