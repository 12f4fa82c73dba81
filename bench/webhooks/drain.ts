/**
 * Delivery throughput: the outbox is filled with `events` member_added rows over 50 channels before
 * the server starts (as after an outage), then the server drains it to the receiver; throughput is
 * events over the receiver's first-to-last arrival. Measures the dispatcher alone: no WebSocket load.
 * The store is the data directory's SQLite file, or with `databaseUrl` that PostgreSQL database (the
 * server then claims the rows it sends, as every PostgreSQL node does).
 */
import { openStore } from "../../src/store/open";
import { nowMs } from "../lib/stats";
import { startServerWith, type ReceiverProc, type WebhookMode } from "./procs";

export interface DrainResult {
  events: number;
  delivered: number;
  requests: number;
  eventsPerSec: number;
  serverCpuMs: number;
  /** CPU of the database server's processes over the same span (0 on SQLite: it is in the server). */
  databaseCpuMs: number;
}

const ROWS_PER_INSERT = 500;

/** Fills the outbox through the store port, in one transaction: the same SQL on both dialects. */
export async function prefill(dataDir: string, appId: string, events: number, databaseUrl?: string): Promise<void> {
  const store = await openStore({ dataDir, databaseUrl, migrate: false });
  try {
    const endpoint = await store.db.get<{ id: string }>("SELECT id FROM webhook_endpoints WHERE app_id = ?", [appId]);
    if (endpoint === undefined) throw new Error("prefill: the app has no webhook endpoint");
    const now = Date.now();
    await store.db.transaction(async (tx) => {
      for (let from = 0; from < events; from += ROWS_PER_INSERT) {
        const params: (string | number)[] = [];
        const values: string[] = [];
        for (let i = from; i < Math.min(events, from + ROWS_PER_INSERT); i++) {
          const channel = `presence-bench-${i % 50}`;
          values.push("(?, ?, ?, ?, ?, CAST(? AS BIGINT), CAST(? AS BIGINT), NULL)");
          params.push(endpoint.id, appId, channel, "member_added", JSON.stringify({ name: "member_added", channel, user_id: `u${i}` }), now, now);
        }
        await tx.run(
          `INSERT INTO webhook_outbox (endpoint_id, app_id, channel, type, event, ready_ms, next_attempt_ms, hold_key) VALUES ${values.join(", ")}`,
          params,
        );
      }
    });
    // What autovacuum does within a minute of such a load (a backlog that built up during an outage
    // has been analysed): without statistics the planner reads the whole backlog on every claim.
    if (store.db.dialect === "postgres") await store.db.exec("ANALYZE webhook_outbox");
  } finally {
    await store.close();
  }
}

export interface DrainOptions {
  /** An empty PostgreSQL database: the server runs with --database-url. */
  databaseUrl?: string;
  /** CPU ms of the database server's processes so far (PostgreSQL mode). */
  databaseCpu?: () => number;
  /** Stop waiting after this long (default 120 s); the rate is then over what arrived. */
  timeoutMs?: number;
}

export async function measureDrain(
  mode: Exclude<WebhookMode, "off">,
  events: number,
  receiver: ReceiverProc,
  cpuOf: (pid: number) => number,
  options: DrainOptions = {},
): Promise<DrainResult> {
  const { databaseUrl, databaseCpu = () => 0, timeoutMs = 120_000 } = options;
  const server = await startServerWith(mode, receiver.url, (dir, appId) => prefill(dir, appId, events, databaseUrl), databaseUrl);
  try {
    const cpu0 = cpuOf(server.pid);
    const db0 = databaseCpu();
    const deadline = nowMs() + timeoutMs;
    let report = await receiver.report();
    while ((report.counts.member_added ?? 0) < events && nowMs() < deadline) {
      await Bun.sleep(100);
      report = await receiver.report();
    }
    const delivered = report.counts.member_added ?? 0;
    return {
      events,
      delivered,
      requests: report.requests,
      eventsPerSec: (delivered * 1000) / Math.max(1, report.lastAt - report.firstAt),
      serverCpuMs: cpuOf(server.pid) - cpu0,
      databaseCpuMs: databaseCpu() - db0,
    };
  } finally {
    await server.stop();
  }
}
