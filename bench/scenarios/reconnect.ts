/**
 * Scenario reconnect: server CPU per reconnect (close, connect, connection_established, subscribe,
 * subscription_succeeded), split by the server's threads. It explains the connect scenario, whose
 * ratio is a rate that the client processes share two cores for and that moves ±10–20 % between runs.
 *
 * Both servers run side by side with the same number of open sockets, and take turns: one 2 s burst
 * of reconnects on one, then on the other, `--bursts` times; `--runs` new pairs of processes. CPU comes from each
 * thread's /proc/PID/task/TID/schedstat (nanoseconds on CPU): /proc/PID/stat has no split by thread
 * and counts in 10 ms steps (~3 % of a burst).
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
  const runs = numberOption(args, "runs", 3);
  const bursts = numberOption(args, "bursts", 8);
  const sockets = numberOption(args, "sockets", 2000);
  const procs = numberOption(args, "sub-procs", 2);
  const rate = numberOption(args, "rate", 600); // reconnects per second per client process
  const nofile = checkFdLimit(sockets + 2000);
  console.log(
    `reconnect: ${sockets} open sockets per server from ${procs} processes, bursts of 2 s × ${rate * procs} reconnects/s, ` +
      `${bursts} bursts per server per run, taking turns; ${runs} runs (new processes each); server CPU from per-thread schedstat`,
  );
  // Per run and server: the median over its bursts of each column. Runs differ more than bursts do
  // (a new process pair each time: 1.12× to 1.36× in single runs), hence medians of runs at the end.
  const perRun: Record<Kind, Record<string, number>[]> = { baseline: [], mawjly: [] };
  for (let run = 1; run <= runs; run++) {
    const rigs = await measureRun(run, { bursts, sockets, procs, rate, nofile });
    for (const rig of rigs) {
      perRun[rig.kind].push(Object.fromEntries(["total", ...COLUMNS].map((c) => [c, median(rig.bursts.map((row) => row[c]!))])));
    }
    const [b, m] = [perRun.baseline.at(-1)!.total!, perRun.mawjly.at(-1)!.total!];
    console.log(`  run ${run}: baseline ${fmt(b, 1)} µs, mawjly ${fmt(m, 1)} µs per reconnect (medians of ${bursts} bursts): ${ratio(m, b)}`);
  }

  const med = (kind: Kind, column: string) => median(perRun[kind].map((row) => row[column]!));
  const rows: (string | number)[][] = [["server", "µs/reconnect", ...COLUMNS.map((c) => `${c} µs`), "runs (µs/reconnect)"]];
  for (const kind of ["baseline", "mawjly"] as Kind[]) {
    rows.push([kind, fmt(med(kind, "total"), 1), ...COLUMNS.map((c) => fmt(med(kind, c), 1)), perRun[kind].map((r) => fmt(r.total!, 0)).join(" ")]);
  }
  rows.push(["ratio M/B", ratio(med("mawjly", "total"), med("baseline", "total")), ...COLUMNS.map((c) => ratio(med("mawjly", c), med("baseline", c))), ""]);
  console.log(`\nmedians of ${runs} runs (each the median of its bursts), server CPU per reconnect by thread:`);
  printTable(rows);
  console.log(`\nreconnect ratio mawjly/baseline: server CPU per reconnect ${ratio(med("mawjly", "total"), med("baseline", "total"))}`);
}

/** One run: both servers with their clients, warmed up, then `bursts` turns each. */
async function measureRun(
  run: number,
  o: { bursts: number; sockets: number; procs: number; rate: number; nofile: number },
): Promise<Rig[]> {
  const rigs: Rig[] = [];
  try {
    for (const kind of ["baseline", "mawjly"] as Kind[]) {
      const server = await startBenchServer(kind, { nofile: o.nofile });
      const config = { url: server.wsUrl, channelPrefix: "c-", channelStride: 1_000_000, concurrency: 50 };
      const rig: Rig = { kind, server, workers: [], bursts: [] };
      rigs.push(rig);
      rig.workers = (await startSubscribers(o.sockets, o.procs, config, o.nofile)).workers;
      const warmed = await warmUntilCompiled(server, () => churn(rig, o.rate));
      console.log(warmUpLine(run, kind, "2 s of reconnects", warmed));
    }
    for (let b = 0; b < o.bursts; b++) {
      for (const rig of rigs) {
        const before = threadNs(rig.server.pid);
        const done = await churn(rig, o.rate);
        const after = threadNs(rig.server.pid);
        if (done === 0) throw new Error(`${rig.kind}: a burst made no reconnects`);
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
    // A connect the server refused or dropped costs it less than a real one: such a run proves nothing.
    for (const rig of rigs) {
      const dropped = (await Promise.all(rig.workers.map((w) => w.report()))).reduce((sum, r) => sum + r.unexpectedCloses, 0);
      if (dropped > 0) throw new Error(`${rig.kind}: ${dropped} sockets were closed by the server during the bursts`);
    }
    return rigs;
  } finally {
    for (const rig of rigs) {
      await Promise.all(rig.workers.map((w) => w.close()));
      await rig.server.stop();
    }
  }
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
