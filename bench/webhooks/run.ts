/**
 * Webhook benchmark: `bun bench/webhooks/run.ts [--runs 3] [--duration 8] [--rate 1000]
 *   [--subscribers 1000] [--fanout-rate 200]`. Three parts, medians over the runs:
 * 1. Outbox write cost per event (in-process, see write-cost.ts).
 * 2. Delivery throughput: a pre-filled outbox of `drain` events drained to a local receiver, one event
 *    per request and batched.
 * 3. Presence churn, `rate` joins/s and as many leaves/s, with webhooks off, on (one event per
 *    request) and on with batching: delivery throughput and lag at a local receiver, every event
 *    accounted for, and the server CPU the webhooks add per event.
 * 4. WebSocket fan-out (subscribers on one channel, signed triggers at `fanout-rate`/s) while the
 *    churn runs, webhooks off vs on: delivered messages/s must not drop by more than 10%.
 * Everything talks to 127.0.0.1 only; servers and load run as separate processes on this machine.
 */
import { numberOption } from "../scenarios/common";
import { cpuMs, type BenchServer } from "../lib/servers";
import { fmt, median, nowMs, printTable, ratio } from "../lib/stats";
import { collect, runTriggers, startSubscribers } from "../lib/workers";
import { BENCH_SECRET, ReceiverProc, runChurn, startServerWith, type WebhookMode } from "./procs";
import { measureDrain, type DrainResult } from "./drain";
import { measureFreshWriteCost, type WriteCost } from "./write-cost";

const args = process.argv.slice(2);
const runs = numberOption(args, "runs", 3);
const durationMs = numberOption(args, "duration", 8) * 1000;
const rate = numberOption(args, "rate", 1000);
const subscribers = numberOption(args, "subscribers", 1000);
const fanoutRate = numberOption(args, "fanout-rate", 200);
const drainEvents = numberOption(args, "drain", 20_000);
const HOLD_MS = 3000; // the default removal delay: member_removed webhooks leave 3 s after the leave

const receiver = new ReceiverProc();
await receiver.start(BENCH_SECRET);

// ---- 1. outbox write cost ------------------------------------------------------------------------
console.log(`\n=== outbox write cost (in-process, 20,000 events per measurement, ${runs} runs) ===`);
const costs: WriteCost[][] = [];
for (let run = 0; run < runs; run++) {
  const perRun: WriteCost[] = [];
  for (const n of [1, 10, 100, 1000]) perRun.push(await measureFreshWriteCost(n));
  costs.push(perRun);
}
const costRows: (string | number)[][] = [["events/tick", "record µs/ev", "commit µs/ev", "total µs/ev", "max events/s (1 core)"]];
costs[0]!.forEach((c, i) => {
  const total = median(costs.map((r) => r[i]!.totalUs));
  costRows.push([String(c.perTick), median(costs.map((r) => r[i]!.recordUs)), median(costs.map((r) => r[i]!.commitUs)), total, 1e6 / total]);
});
printTable(costRows);

// ---- 2. delivery throughput ---------------------------------------------------------------------
console.log(`\n=== delivery throughput: ${drainEvents} events pre-filled in the outbox, drained to a local receiver, ${runs} runs ===`);
const drains: Record<"single" | "batch", DrainResult[]> = { single: [], batch: [] };
for (let run = 1; run <= runs; run++) {
  for (const mode of ["single", "batch"] as const) {
    await receiver.start(BENCH_SECRET);
    const r = await measureDrain(mode, drainEvents, receiver, cpuMs);
    drains[mode].push(r);
    console.log(`  run ${run} ${mode.padEnd(6)} ${r.delivered}/${r.events} events in ${r.requests} requests: ${fmt(r.eventsPerSec, 0)} events/s, server cpu ${fmt(r.serverCpuMs, 0)} ms`);
  }
}
const drainRows: (string | number)[][] = [["mode", "events/s", "requests", "server cpu µs/event"]];
for (const mode of ["single", "batch"] as const) {
  drainRows.push([mode, median(drains[mode].map((r) => r.eventsPerSec)), median(drains[mode].map((r) => r.requests)), median(drains[mode].map((r) => (r.serverCpuMs * 1000) / r.delivered))]);
}
console.log(`\nmedians of ${runs} runs:`);
printTable(drainRows);

// ---- 3. presence churn ---------------------------------------------------------------------------
console.log(`\n=== presence churn: ${rate} joins/s + ${rate} leaves/s for ${durationMs / 1000} s, webhooks off / single / batch, ${runs} runs ===`);
interface ChurnRow {
  joinsPerSec: number;
  events: number;
  expected: number;
  deliveredPerSec: number;
  lagP50: number;
  lagP99: number;
  heldP50: number;
  heldP99: number;
  requests: number;
  invalid: number;
  serverCpuMs: number;
  receiverCpuMs: number;
}
const churn: Record<WebhookMode, ChurnRow[]> = { off: [], single: [], batch: [] };
for (let run = 1; run <= runs; run++) {
  for (const mode of ["off", "single", "batch"] as WebhookMode[]) {
    await receiver.start(BENCH_SECRET);
    const server = await startServerWith(mode, receiver.url);
    try {
      const cpu0 = cpuMs(server.pid);
      const result = await runChurn(server, rate, durationMs);
      const expected = mode === "off" ? 0 : result.joins + result.leaves;
      // Drain: the last leaves are held 3 s; then wait until every member event arrived (bounded).
      const deadline = nowMs() + HOLD_MS + 20_000;
      let report = await receiver.report();
      const members = () => (report.counts.member_added ?? 0) + (report.counts.member_removed ?? 0);
      while (mode !== "off" && members() < expected && nowMs() < deadline) {
        await Bun.sleep(200);
        report = await receiver.report();
      }
      const serverCpuMs = cpuMs(server.pid) - cpu0;
      const events = Object.values(report.counts).reduce((a, b) => a + b, 0);
      const row: ChurnRow = {
        joinsPerSec: (result.joins * 1000) / result.joinMs,
        events: members(),
        expected,
        deliveredPerSec: report.lastAt > report.firstAt ? (events * 1000) / (report.lastAt - report.firstAt) : 0,
        lagP50: report.lag.percentile(50),
        lagP99: report.lag.percentile(99),
        heldP50: report.heldLag.percentile(50),
        heldP99: report.heldLag.percentile(99),
        requests: report.requests,
        invalid: report.invalid,
        serverCpuMs,
        receiverCpuMs: report.cpuMs,
      };
      churn[mode].push(row);
      console.log(
        `  run ${run} ${mode.padEnd(6)} joins ${fmt(row.joinsPerSec, 0)}/s, member webhooks ${row.events}/${expected}, ` +
          `${fmt(row.deliveredPerSec, 0)} events/s in ${row.requests} requests, lag p50 ${fmt(row.lagP50)} ms p99 ${fmt(row.lagP99)} ms ` +
          `(held removals after release: p50 ${fmt(row.heldP50)} ms p99 ${fmt(row.heldP99)} ms), ` +
          `invalid ${row.invalid}, server cpu ${fmt(serverCpuMs, 0)} ms${result.errors > 0 ? `, ${result.errors} subscribe errors` : ""}`,
      );
    } finally {
      await server.stop();
    }
  }
}
const med = (mode: WebhookMode, f: (r: ChurnRow) => number) => median(churn[mode].map(f));
const offCpu = med("off", (r) => r.serverCpuMs);
const churnRows: (string | number)[][] = [
  ["webhooks", "joins/s", "member webhooks", "events/s delivered", "requests", "lag p50 ms", "lag p99 ms", "held p50 ms", "held p99 ms", "invalid", "server cpu ms", "+cpu µs/event"],
];
for (const mode of ["off", "single", "batch"] as WebhookMode[]) {
  const events = med(mode, (r) => r.events);
  const extra = mode === "off" ? NaN : ((med(mode, (r) => r.serverCpuMs) - offCpu) * 1000) / events;
  churnRows.push([
    mode,
    med(mode, (r) => r.joinsPerSec),
    mode === "off" ? "-" : `${fmt(events, 0)}/${fmt(med(mode, (r) => r.expected), 0)}`,
    mode === "off" ? NaN : med(mode, (r) => r.deliveredPerSec),
    mode === "off" ? NaN : med(mode, (r) => r.requests),
    mode === "off" ? NaN : med(mode, (r) => r.lagP50),
    mode === "off" ? NaN : med(mode, (r) => r.lagP99),
    mode === "off" ? NaN : med(mode, (r) => r.heldP50),
    mode === "off" ? NaN : med(mode, (r) => r.heldP99),
    String(churn[mode].reduce((s, r) => s + r.invalid, 0)),
    med(mode, (r) => r.serverCpuMs),
    extra,
  ]);
}
console.log(`\nmedians of ${runs} runs:`);
printTable(churnRows);

// ---- 4. fan-out with webhooks off vs on -----------------------------------------------------------
console.log(
  `\n=== fan-out: ${subscribers} subscribers, ${fanoutRate} triggers/s for ${durationMs / 1000} s, during ${rate}/s presence churn; webhooks off vs on, ${runs} runs, interleaved ===`,
);
interface FanRow {
  deliveredPerSec: number;
  p50: number;
  p99: number;
  lost: number;
}
const fan: Record<"off" | "single", FanRow[]> = { off: [], single: [] };
for (let run = 1; run <= runs; run++) {
  for (const mode of ["off", "single"] as const) {
    await receiver.start(BENCH_SECRET);
    const server: BenchServer = await startServerWith(mode, receiver.url);
    const { workers } = await startSubscribers(subscribers, 2, { url: server.wsUrl, channel: "bench" });
    try {
      await runTriggers({ url: server.url, path: server.triggerPath, ...server.app, mode: "rate", rate: 50, durationMs: 1000, dataBytes: 100 }, 30_000);
      const churning = runChurn(server, rate, durationMs + 3000);
      await Bun.sleep(1000);
      await Promise.all(workers.map((w) => w.reset()));
      const tr = await runTriggers({ url: server.url, path: server.triggerPath, ...server.app, mode: "rate", rate: fanoutRate, durationMs, dataBytes: 100 }, durationMs + 30_000);
      const expected = tr.ok * subscribers;
      let totals = await collect(workers);
      const drainEnd = nowMs() + 10_000;
      while (totals.received < expected && nowMs() < drainEnd) {
        await Bun.sleep(100);
        totals = await collect(workers);
      }
      await churning;
      const row: FanRow = {
        deliveredPerSec: (totals.received * 1000) / Math.max(1, totals.lastAt - tr.firstSentAt),
        p50: totals.hist.percentile(50),
        p99: totals.hist.percentile(99),
        lost: expected - totals.received,
      };
      fan[mode].push(row);
      console.log(`  run ${run} webhooks ${mode === "off" ? "off" : "on "}: delivered ${fmt(row.deliveredPerSec)}/s p50 ${fmt(row.p50)} ms p99 ${fmt(row.p99)} ms lost ${row.lost}`);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await server.stop();
    }
  }
}
const fmed = (mode: "off" | "single", f: (r: FanRow) => number) => median(fan[mode].map(f));
const fanRows: (string | number)[][] = [["webhooks", "delivered msg/s", "p50 ms", "p99 ms", "lost (sum)"]];
for (const mode of ["off", "single"] as const) {
  fanRows.push([mode === "off" ? "off" : "on", fmed(mode, (r) => r.deliveredPerSec), fmed(mode, (r) => r.p50), fmed(mode, (r) => r.p99), String(fan[mode].reduce((s, r) => s + r.lost, 0))]);
}
console.log(`\nmedians of ${runs} runs:`);
printTable(fanRows);
const drop = 1 - fmed("single", (r) => r.deliveredPerSec) / fmed("off", (r) => r.deliveredPerSec);
console.log(
  `\nfan-out with webhooks on/off: delivered ${ratio(fmed("single", (r) => r.deliveredPerSec), fmed("off", (r) => r.deliveredPerSec))} ` +
    `(drop ${(drop * 100).toFixed(1)}%, target ≤ 10%), p99 ${ratio(fmed("single", (r) => r.p99), fmed("off", (r) => r.p99))}`,
);
await receiver.stop();
process.exit(0);
