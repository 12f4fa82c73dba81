/**
 * Delivery throughput: the outbox is filled with `events` member_added rows over 50 channels before
 * the server starts (as after an outage), then the server drains it to the receiver; throughput is
 * events over the receiver's first-to-last arrival. Measures the dispatcher alone: no WebSocket load.
 */
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { nowMs } from "../lib/stats";
import { startServerWith, type ReceiverProc, type WebhookMode } from "./procs";

export interface DrainResult {
  events: number;
  delivered: number;
  requests: number;
  eventsPerSec: number;
  serverCpuMs: number;
}

function prefill(dataDir: string, appId: string, events: number): void {
  const db = new Database(join(dataDir, "mawjly.db"));
  try {
    const endpointId = (db.query("SELECT id FROM webhook_endpoints WHERE app_id = ?").get(appId) as { id: string }).id;
    // The outbox store is asynchronous; a plain synchronous insert of the same columns fills it here.
    const insert = db.query(
      "INSERT INTO webhook_outbox (endpoint_id, app_id, channel, type, event, ready_ms, next_attempt_ms, hold_key) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
    );
    const now = Date.now();
    db.transaction(() => {
      for (let i = 0; i < events; i++) {
        const channel = `presence-bench-${i % 50}`;
        const event = JSON.stringify({ name: "member_added", channel, user_id: `u${i}` });
        insert.run(endpointId, appId, channel, "member_added", event, now, now);
      }
    }).immediate();
  } finally {
    db.close();
  }
}

export async function measureDrain(mode: Exclude<WebhookMode, "off">, events: number, receiver: ReceiverProc, cpuOf: (pid: number) => number): Promise<DrainResult> {
  const server = await startServerWith(mode, receiver.url, (dir, appId) => prefill(dir, appId, events));
  try {
    const cpu0 = cpuOf(server.pid);
    const deadline = nowMs() + 120_000;
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
    };
  } finally {
    await server.stop();
  }
}
