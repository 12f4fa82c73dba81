/**
 * Outbox write cost, in-process: the recorder (bus → routed, serialised event, queued insert) and the
 * per-tick commit (one immediate transaction), with the dispatcher left out so nothing but the write
 * path is timed. Reported per event, for 1, 10, 100 and 1000 events per tick: the WebSocket path pays
 * the "record" part inline and the "commit" part once per tick. On any store of the port: SQLite in a
 * data directory, or PostgreSQL (bench/scenarios/store.ts compares the two).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LifecycleBus } from "../../src/engine/bus";
import { systemClock } from "../../src/engine/ports";
import type { Db } from "../../src/store/db";
import { openStore } from "../../src/store/open";
import { Backlog } from "../../src/webhooks/backlog";
import { EndpointDirectory } from "../../src/webhooks/endpoint-directory";
import { EndpointStore } from "../../src/webhooks/endpoint-store";
import { RemovalHolds } from "../../src/webhooks/holds";
import { OutboxStore } from "../../src/webhooks/outbox-store";
import { Recorder } from "../../src/webhooks/recorder";
import { TickWriter } from "../../src/webhooks/tick-writer";
import { cli } from "./procs";

export interface WriteCost {
  perTick: number;
  events: number;
  recordUs: number;
  commitUs: number;
  totalUs: number;
}

/** A migrated store holding one app with one endpoint (a closed port: nothing is ever sent). */
export interface OutboxBench {
  db: Db;
  appId: string;
  close(): Promise<void>;
}

/**
 * A fresh store for one measurement: SQLite in a temp data directory, or the PostgreSQL database of
 * `databaseUrl` (an empty one). The app and endpoint are made by the real CLI, as an operator would.
 */
export async function openOutboxBench(databaseUrl?: string): Promise<OutboxBench> {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-bench-outbox-"));
  try {
    cli(dir, ["migrate"], databaseUrl); // apps create never creates a database
    const appId = JSON.parse(cli(dir, ["apps", "create", "--name", "bench", "--json"], databaseUrl)).id as string;
    cli(dir, ["webhooks", "add", "--app", appId, "--url", "http://127.0.0.1:9/"], databaseUrl);
    const store = await openStore({ dataDir: dir, databaseUrl, migrate: false });
    return {
      db: store.db,
      appId,
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Measures on `db` (which it leaves open), `events` events for the endpoint of `appId`. */
export async function measureWriteCost(db: Db, appId: string, perTick: number, events = 20_000): Promise<WriteCost> {
  const endpoints = new EndpointStore(db);
  const outbox = new OutboxStore(db);
  const bus = new LifecycleBus();
  const writer = new TickWriter(db);
  const directory = new EndpointDirectory(endpoints);
  await directory.reload();
  const recorder = new Recorder({
    bus,
    directory,
    outbox,
    writer,
    holds: new RemovalHolds(systemClock),
    backlog: new Backlog(10_000_000, () => Date.now()),
    clock: systemClock,
    delayMs: 3000,
    queued: () => {},
  });
  recorder.start();
  let record = 0;
  let commit = 0;
  let n = 0;
  for (let tick = 0; n < events; tick++) {
    const t0 = performance.now();
    // Half joins, half (held) leaves: the presence churn mix of the end-to-end scenario.
    for (let i = 0; i < perTick; i++, n++) {
      const event = { appId, channel: `presence-bench-${n % 50}`, userId: `u${n}` };
      bus.emit(n % 2 === 0 ? "member_added" : "member_removed", event);
    }
    const t1 = performance.now();
    await writer.flush();
    const t2 = performance.now();
    record += t1 - t0;
    commit += t2 - t1;
  }
  recorder.stop();
  return { perTick, events: n, recordUs: (record * 1000) / n, commitUs: (commit * 1000) / n, totalUs: ((record + commit) * 1000) / n };
}

/** One measurement on a fresh store, closed after. */
export async function measureFreshWriteCost(perTick: number, events = 20_000, databaseUrl?: string): Promise<WriteCost> {
  const bench = await openOutboxBench(databaseUrl);
  try {
    return await measureWriteCost(bench.db, bench.appId, perTick, events);
  } finally {
    await bench.close();
  }
}
