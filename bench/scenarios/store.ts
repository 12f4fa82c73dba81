/**
 * Scenario store: SQLite (the data directory) against PostgreSQL (`--database-url`), in one run, the
 * two interleaved run by run so drift of the shared machine hits both alike:
 * 1. Outbox write cost per event, in-process (bench/webhooks/write-cost.ts) at 1/10/100/1000 events
 *    per tick, each measurement on a fresh store.
 * 2. Webhook delivery rate: a pre-filled outbox of `--drain` events drained to a local receiver by a
 *    real server process, one event per request and batched (bench/webhooks/drain.ts).
 * 3. WebSocket fan-out with and without --database-url: nothing on the delivery path touches the
 *    store, so the figures must not move (expect 1.00×).
 * PostgreSQL is a throw-away cluster (test/support/postgres.ts: fsync off, as the test suite runs it),
 * a fresh database per server or measurement; its processes' CPU is reported beside the server's,
 * since on SQLite the same work is done inside the server process. Servers, workers and PostgreSQL are
 * stopped on every path (finally), PostgreSQL also when this process dies (its janitor).
 */
import { readdirSync, readFileSync } from "node:fs";
import { startPostgres, type PostgresHandle } from "../../test/support/postgres";
import { cpuMs } from "../lib/servers";
import { fmt, median, printTable, ratio } from "../lib/stats";
import { startSubscribers } from "../lib/workers";
import { measureDrain, type DrainResult } from "../webhooks/drain";
import { BENCH_SECRET, ReceiverProc, startServerWith, stopWebhookServers } from "../webhooks/procs";
import { measureFreshWriteCost, type WriteCost } from "../webhooks/write-cost";
import { listOption, measureFanout, numberOption, type FanoutResult } from "./common";

type Dialect = "sqlite" | "postgres";
const DIALECTS: Dialect[] = ["sqlite", "postgres"];
const PER_TICK = [1, 10, 100, 1000];

const CLK_TCK = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // gone meanwhile
  }
}

/**
 * CPU ms of a PostgreSQL cluster: the postmaster with its reaped children (cutime, cstime: backends
 * that ended), plus its live children (backends, checkpointer, walwriter, autovacuum).
 */
export function clusterCpuMs(postmaster: number): number {
  const own = statFields(postmaster);
  if (own === undefined) return NaN;
  // Fields after comm, 0-based: 1 ppid, 11 utime, 12 stime, 13 cutime, 14 cstime.
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (f !== undefined && Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks * 1000) / CLK_TCK;
}

export async function store(args: string[]): Promise<void> {
  const runs = numberOption(args, "runs", 3);
  const events = numberOption(args, "events", 20_000);
  const drainEvents = numberOption(args, "drain", 20_000);
  const subscribers = numberOption(args, "subscribers", 1000);
  const rate = numberOption(args, "rate", 200);
  const durationMs = numberOption(args, "duration", 5) * 1000;
  const drainTimeoutMs = numberOption(args, "drain-timeout", 120) * 1000;
  const parts = listOption(args, "parts", [1, 2, 3]);
  const pg = await startPostgres();
  const receiver = new ReceiverProc();
  // Interrupted (Ctrl-C, kill): servers, receiver and PostgreSQL are stopped before exiting.
  const interrupted = (signal: NodeJS.Signals) => {
    console.error(`\nstore: ${signal}, stopping servers and PostgreSQL`);
    void Promise.allSettled([stopWebhookServers(), receiver.stop(), pg.stop()]).then(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    console.log(`store: SQLite (data directory) vs PostgreSQL (--database-url, local throw-away cluster, fsync off), ${runs} runs, interleaved`);
    if (parts.includes(1)) await writeCost(pg, runs, events);
    if (parts.includes(2)) {
      await receiver.start(BENCH_SECRET);
      await drain(pg, receiver, runs, drainEvents, drainTimeoutMs);
    }
    if (parts.includes(3)) await fanout(pg, runs, subscribers, rate, durationMs);
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    await stopWebhookServers();
    await receiver.stop();
    await pg.stop();
  }
}

const urlFor = async (pg: PostgresHandle, dialect: Dialect) => (dialect === "postgres" ? pg.freshDatabase() : undefined);

// ---- 1. outbox write cost ------------------------------------------------------------------------
async function writeCost(pg: PostgresHandle, runs: number, events: number): Promise<void> {
  console.log(`\n--- 1. outbox write cost per event (in-process, ${events} events per measurement, a fresh store each) ---`);
  const costs: Record<Dialect, WriteCost[][]> = { sqlite: [], postgres: [] };
  for (let run = 1; run <= runs; run++) {
    const perRun: Record<Dialect, WriteCost[]> = { sqlite: [], postgres: [] };
    for (const n of PER_TICK) {
      for (const dialect of DIALECTS) {
        const c = await measureFreshWriteCost(n, events, await urlFor(pg, dialect));
        perRun[dialect].push(c);
        console.log(`  run ${run} ${String(n).padStart(4)}/tick ${dialect.padEnd(8)} record ${fmt(c.recordUs)} µs/ev, commit ${fmt(c.commitUs)} µs/ev, total ${fmt(c.totalUs)} µs/ev`);
      }
    }
    for (const dialect of DIALECTS) costs[dialect].push(perRun[dialect]);
  }
  const med = (d: Dialect, i: number, f: (c: WriteCost) => number) => median(costs[d].map((r) => f(r[i]!)));
  const rows: (string | number)[][] = [["events/tick", "store", "record µs/ev", "commit µs/ev", "total µs/ev", "events/s (one writer)"]];
  const verdicts: string[] = [];
  PER_TICK.forEach((n, i) => {
    for (const d of DIALECTS) rows.push([String(n), d, med(d, i, (c) => c.recordUs), med(d, i, (c) => c.commitUs), med(d, i, (c) => c.totalUs), 1e6 / med(d, i, (c) => c.totalUs)]);
    const r = (f: (c: WriteCost) => number) => ratio(med("postgres", i, f), med("sqlite", i, f));
    rows.push([String(n), "ratio PG/SQLite", r((c) => c.recordUs), r((c) => c.commitUs), r((c) => c.totalUs), ""]);
    verdicts.push(`${n}/tick ${r((c) => c.totalUs)}`);
  });
  console.log(`\nmedians of ${runs} runs:`);
  printTable(rows);
  console.log(`\noutbox write cost per event, ratio PostgreSQL/SQLite (total): ${verdicts.join("; ")}`);
}

// ---- 2. delivery rate ----------------------------------------------------------------------------
async function drain(pg: PostgresHandle, receiver: ReceiverProc, runs: number, events: number, timeoutMs: number): Promise<void> {
  console.log(`\n--- 2. webhook delivery rate: ${events} events pre-filled in the outbox, drained by a server process to a local receiver ---`);
  const modes = ["single", "batch"] as const;
  const results: Record<string, DrainResult[]> = {};
  for (let run = 1; run <= runs; run++) {
    for (const mode of modes) {
      for (const dialect of DIALECTS) {
        await receiver.start(BENCH_SECRET);
        const databaseUrl = await urlFor(pg, dialect);
        const databaseCpu = dialect === "postgres" ? () => clusterCpuMs(pg.pid() ?? 0) : undefined;
        const r = await measureDrain(mode, events, receiver, cpuMs, { databaseUrl, databaseCpu, timeoutMs });
        (results[`${mode} ${dialect}`] ??= []).push(r);
        console.log(
          `  run ${run} ${mode.padEnd(6)} ${dialect.padEnd(8)} ${r.delivered}/${r.events} events in ${r.requests} requests: ` +
            `${fmt(r.eventsPerSec, 0)} events/s, server cpu ${fmt(r.serverCpuMs, 0)} ms` +
            (dialect === "postgres" ? `, postgres cpu ${fmt(r.databaseCpuMs, 0)} ms` : "") +
            (r.delivered < r.events ? ` (stopped waiting after ${timeoutMs / 1000} s: the rate is over what arrived)` : ""),
        );
      }
    }
  }
  const med = (key: string, f: (r: DrainResult) => number) => median(results[key]!.map(f));
  const perEvent = (ms: (r: DrainResult) => number) => (r: DrainResult) => (ms(r) * 1000) / r.delivered;
  const server = perEvent((r) => r.serverCpuMs);
  const database = perEvent((r) => r.databaseCpuMs);
  const both = perEvent((r) => r.serverCpuMs + r.databaseCpuMs);
  const rows: (string | number)[][] = [["mode", "store", "events/s", "delivered (min)", "requests", "server cpu µs/ev", "postgres cpu µs/ev", "total cpu µs/ev"]];
  const verdicts: string[] = [];
  for (const mode of modes) {
    for (const d of DIALECTS) {
      const key = `${mode} ${d}`;
      const delivered = `${Math.min(...results[key]!.map((r) => r.delivered))}/${events}`;
      rows.push([mode, d, med(key, (r) => r.eventsPerSec), delivered, med(key, (r) => r.requests), med(key, server), d === "postgres" ? med(key, database) : "-", med(key, both)]);
    }
    const r = (f: (r: DrainResult) => number) => ratio(med(`${mode} postgres`, f), med(`${mode} sqlite`, f));
    rows.push([mode, "ratio PG/SQLite", r((x) => x.eventsPerSec), "", "", r(server), "", r(both)]);
    verdicts.push(`${mode}: events/s ${r((x) => x.eventsPerSec)}, CPU per event (server + postgres) ${r(both)}`);
  }
  console.log(`\nmedians of ${runs} runs:`);
  printTable(rows);
  console.log(`\nwebhook delivery, ratio PostgreSQL/SQLite: ${verdicts.join("; ")}`);
}

// ---- 3. fan-out with and without --database-url --------------------------------------------------
async function fanout(pg: PostgresHandle, runs: number, subscribers: number, rate: number, durationMs: number): Promise<void> {
  console.log(`\n--- 3. WebSocket fan-out: ${subscribers} subscribers on one channel, signed triggers at ${rate}/s for ${durationMs / 1000} s, without and with --database-url ---`);
  const results: Record<Dialect, (FanoutResult & { databaseCpuMs: number })[]> = { sqlite: [], postgres: [] };
  for (let run = 1; run <= runs; run++) {
    for (const dialect of DIALECTS) {
      const server = await startServerWith("off", "", undefined, await urlFor(pg, dialect));
      try {
        const { workers } = await startSubscribers(subscribers, 2, { url: server.wsUrl, channel: "bench" });
        try {
          // Warm-up: JIT the trigger and publish paths before anything is measured.
          await measureFanout(server, workers, subscribers, 50, 1000, 100, false);
          const db0 = clusterCpuMs(pg.pid() ?? 0);
          const r = await measureFanout(server, workers, subscribers, rate, durationMs);
          const databaseCpuMs = dialect === "postgres" ? clusterCpuMs(pg.pid() ?? 0) - db0 : 0;
          results[dialect].push({ ...r, databaseCpuMs });
          console.log(
            `  run ${run} ${dialect.padEnd(8)} delivered ${fmt(r.deliveredPerSec)}/s p50 ${fmt(r.p50)} ms p99 ${fmt(r.p99)} ms lost ${r.lost} ` +
              `server cpu ${fmt(r.cpuUsPerMsg)} µs/msg${dialect === "postgres" ? `, postgres cpu ${fmt(databaseCpuMs, 0)} ms` : ""} (other tenants ${fmt(r.otherCpuPercent, 0)}% of a core)`,
          );
        } finally {
          await Promise.all(workers.map((w) => w.close()));
        }
      } finally {
        await server.stop();
      }
    }
  }
  type Row = FanoutResult & { databaseCpuMs: number };
  const med = (d: Dialect, f: (r: Row) => number) => median(results[d].map(f));
  const rows: (string | number)[][] = [["store", "delivered msg/s", "p50 ms", "p99 ms", "lost (sum)", "server cpu µs/msg", "postgres cpu ms"]];
  for (const d of DIALECTS) {
    rows.push([d, med(d, (r) => r.deliveredPerSec), med(d, (r) => r.p50), med(d, (r) => r.p99), String(results[d].reduce((s, r) => s + r.lost, 0)), med(d, (r) => r.cpuUsPerMsg), d === "postgres" ? med(d, (r) => r.databaseCpuMs) : "-"]);
  }
  const r = (f: (r: Row) => number) => ratio(med("postgres", f), med("sqlite", f));
  rows.push(["ratio PG/SQLite", r((x) => x.deliveredPerSec), r((x) => x.p50), r((x) => x.p99), "", r((x) => x.cpuUsPerMsg), ""]);
  console.log(`\nmedians of ${runs} runs:`);
  printTable(rows);
  console.log(
    `\nfan-out, ratio --database-url/data directory: delivered ${r((x) => x.deliveredPerSec)}, p99 ${r((x) => x.p99)}, ` +
      `server cpu per message ${r((x) => x.cpuUsPerMsg)} (expect 1.00×: no database on the delivery path)`,
  );
}
