/**
 * Scenario reconnect: server CPU per reconnect (close, connect, connection_established, subscribe,
 * subscription_succeeded), split by the server's threads. It explains the connect scenario, whose
 * ratio is a rate that the client processes share two cores for and that moves ±10–20 % between runs.
 *
 * Both servers run side by side with the same number of open sockets, and take turns: one 2 s burst
 * of reconnects on one, then on the other, `--bursts` times. CPU comes from each thread's
 * /proc/PID/task/TID/schedstat (nanoseconds on CPU), not /proc/PID/stat, which this kernel samples at
 * 250 ticks a second. Two baselines measured this way agree within ~3 %.
 */
import { readdirSync, readFileSync } from "node:fs";
import { checkFdLimit, startBenchServer, type BenchServer, type Kind } from "../lib/servers";
import { fmt, median, printTable, ratio } from "../lib/stats";
import { startSubscribers, type SubscriberWorker } from "../lib/workers";
import { numberOption, warmUntilCompiled, warmUpLine } from "./common";

/** Thread groups: what a name in /proc/PID/task/TID/comm belongs to (the main thread is matched by tid). */
const GROUPS: [string, RegExp][] = [
  ["allocator", /^mi-/], // mimalloc's background purge ("mi-scavenger")
  ["jit", /^JIT/],
  ["gc", /^Heap|Collector/],
];
const COLUMNS = ["main", ...GROUPS.map(([name]) => name), "other"];

interface Rig {
  kind: Kind;
  server: BenchServer;
  workers: SubscriberWorker[];
  /** Per burst: µs per reconnect by column, and in total. */
  bursts: Record<string, number>[];
}

export async function reconnect(args: string[]): Promise<void> {
  const bursts = numberOption(args, "bursts", 10);
  const sockets = numberOption(args, "sockets", 2000);
  const procs = numberOption(args, "sub-procs", 2);
  const rate = numberOption(args, "rate", 600); // reconnects per second per client process
  const nofile = checkFdLimit(sockets + 2000);
  console.log(
    `reconnect: ${sockets} open sockets per server from ${procs} processes, bursts of 2 s × ${rate * procs} reconnects/s, ` +
      `${bursts} bursts per server, taking turns; server CPU from per-thread schedstat`,
  );
  const rigs: Rig[] = [];
  try {
    for (const kind of ["baseline", "mawjly"] as Kind[]) {
      const server = await startBenchServer(kind, { nofile });
      const config = { url: server.wsUrl, channelPrefix: "c-", channelStride: 1_000_000, concurrency: 50 };
      const rig: Rig = { kind, server, workers: [], bursts: [] };
      rigs.push(rig);
      rig.workers = (await startSubscribers(sockets, procs, config, nofile)).workers;
      const warmed = await warmUntilCompiled(server, () => churn(rig, 500));
      console.log(warmUpLine(1, kind, "2 s of reconnects", warmed));
    }
    for (let b = 0; b < bursts; b++) {
      for (const rig of rigs) {
        const before = threadNs(rig.server.pid);
        const done = await churn(rig, rate);
        const after = threadNs(rig.server.pid);
        const row: Record<string, number> = { total: 0 };
        for (const column of COLUMNS) row[column] = 0;
        // Per thread: JavaScriptCore ends idle threads, whose CPU would otherwise drop out of a sum.
        // A thread that ended during the burst loses its last moments (a low reading, never a high one).
        for (const [tid, { column, ns }] of after) {
          const us = (ns - (before.get(tid)?.ns ?? 0)) / 1000 / done;
          row[column]! += us;
          row.total! += us;
        }
        rig.bursts.push(row);
      }
    }
  } finally {
    for (const rig of rigs) {
      await Promise.all(rig.workers.map((w) => w.close()));
      await rig.server.stop();
    }
  }

  const med = (rig: Rig, column: string) => median(rig.bursts.map((row) => row[column]!));
  const rows: (string | number)[][] = [["server", "µs/reconnect", ...COLUMNS.map((c) => `${c} µs`), "bursts (total µs)"]];
  for (const rig of rigs) {
    rows.push([rig.kind, fmt(med(rig, "total"), 1), ...COLUMNS.map((c) => fmt(med(rig, c), 1)), rig.bursts.map((r) => fmt(r.total!, 0)).join(" ")]);
  }
  const [base, mawjly] = rigs as [Rig, Rig];
  rows.push(["ratio M/B", ratio(med(mawjly, "total"), med(base, "total")), ...COLUMNS.map((c) => ratio(med(mawjly, c), med(base, c))), ""]);
  console.log(`\nmedians of ${bursts} bursts per server, server CPU per reconnect by thread:`);
  printTable(rows);
  console.log(`\nreconnect ratio mawjly/baseline: server CPU per reconnect ${ratio(med(mawjly, "total"), med(base, "total"))}`);
}

/** One 2 s burst of reconnects on every client process of the rig; answers how many were made. */
async function churn(rig: Rig, rate: number): Promise<number> {
  return (await Promise.all(rig.workers.map((w) => w.churn(rate, 2000)))).reduce((a, b) => a + b, 0);
}

/** Nanoseconds on CPU so far of every thread the process has now, with the column it counts in. */
function threadNs(pid: number): Map<string, { column: string; ns: number }> {
  const threads = new Map<string, { column: string; ns: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      const column = tid === String(pid) ? "main" : (GROUPS.find(([, re]) => re.test(name))?.[0] ?? "other");
      threads.set(tid, { column, ns });
    } catch {
      // the thread ended meanwhile
    }
  }
  return threads;
}
