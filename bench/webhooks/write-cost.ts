/**
 * Outbox write cost, in-process: the recorder (bus → routed, serialised event, queued insert) and the
 * per-tick commit (one immediate transaction), with the dispatcher left out so nothing but the write
 * path is timed. Reported per event, for 1, 10, 100 and 1000 events per tick: the WebSocket path pays
 * the "record" part inline and the "commit" part once per tick.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteAppPeek } from "../../src/apps/peek";
import { LifecycleBus } from "../../src/engine/bus";
import { systemClock } from "../../src/engine/ports";
import { openDatabase } from "../../src/store/database";
import { Backlog } from "../../src/webhooks/backlog";
import { EndpointDirectory } from "../../src/webhooks/endpoint-directory";
import { SqliteDb } from "../../src/store/sqlite";
import { EndpointStore } from "../../src/webhooks/endpoint-store";
import { RemovalHolds } from "../../src/webhooks/holds";
import { DeliveryLogStore } from "../../src/webhooks/log-store";
import { OutboxStore } from "../../src/webhooks/outbox-store";
import { Recorder } from "../../src/webhooks/recorder";
import { WebhookService } from "../../src/webhooks/service";
import { TickWriter } from "../../src/webhooks/tick-writer";
import { BUN, MAIN } from "../lib/servers";

export interface WriteCost {
  perTick: number;
  events: number;
  recordUs: number;
  commitUs: number;
  totalUs: number;
}

export async function measureWriteCost(perTick: number, events = 20_000): Promise<WriteCost> {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-bench-outbox-"));
  Bun.spawnSync([BUN, MAIN, "migrate", "--data-dir", dir]); // apps create never creates a database
  const r = Bun.spawnSync([BUN, MAIN, "apps", "create", "--name", "bench", "--json", "--data-dir", dir]);
  const appId = JSON.parse(r.stdout.toString()).id as string;
  const db = openDatabase(dir);
  try {
    const sql = new SqliteDb(db);
    const endpoints = new EndpointStore(sql);
    const outbox = new OutboxStore(sql);
    const apps = new SqliteAppPeek(db);
    await new WebhookService({ store: endpoints, log: new DeliveryLogStore(sql), outbox, apps, timeoutMs: 1000 }).add(appId, { url: "http://127.0.0.1:9/" });
    const bus = new LifecycleBus();
    const writer = new TickWriter(sql);
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
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
