/**
 * Scenario 5, connect: how fast one server accepts new sockets that each subscribe to a channel of
 * their own (handshake, connection_established, pusher:subscribe, subscription_succeeded), from
 * `--sub-procs` client processes with `--concurrency` handshakes in flight each, and the server CPU
 * per connect + subscribe. Same descriptor handling as the memory scenario.
 */
import { checkFdLimit, cpuMs, fdLimits, jitMsSince, jitThreads, machineBusyMs, startBenchServer, waitForQuiet, type Kind } from "../lib/servers";
import { fmt, median, nowMs, printTable, ratio } from "../lib/stats";
import { startSubscribers, type SubscriberWorker } from "../lib/workers";
import { NOISY_OTHER_PERCENT, numberOption, quietMedian, warmUntilCompiled, warmUpLine } from "./common";

interface Row {
  perSec: number;
  cpuUs: number;
  serverCpu: number;
  clientCpu: number;
  otherCpuPercent: number;
}

export async function connect(args: string[]): Promise<void> {
  const runs = numberOption(args, "runs", 3);
  const sockets = numberOption(args, "sockets", 10_000);
  const procs = numberOption(args, "sub-procs", 4);
  const concurrency = numberOption(args, "concurrency", 50);
  const warm = 1000; // warm-up sockets per process, kept open during the measured batch
  const serverFds = checkFdLimit(sockets + warm * procs + 1000);
  const clientFds = checkFdLimit(Math.ceil(sockets / procs) + warm + 1000);
  console.log(
    `connect: ${sockets} sockets, each subscribing to its own channel, from ${procs} processes × ${concurrency} handshakes in flight, ` +
      `${runs} runs per server, interleaved; ulimit -n ${serverFds} (server) / ${clientFds} (clients), hard limit ${fdLimits()[1]}`,
  );
  const results: Record<Kind, Row[]> = { baseline: [], mawjly: [] };

  for (let run = 1; run <= runs; run++) {
    for (const kind of ["baseline", "mawjly"] as Kind[]) {
      const server = await startBenchServer(kind, { nofile: serverFds });
      const config = { url: server.wsUrl, channelPrefix: "c-", channelStride: 1_000_000, concurrency };
      // Warm-up: 1,000 sockets per process, then reconnects (close, connect, subscribe) in 2 s rounds
      // until the JIT is done (warmUntilCompiled), then the measured batch. Connect and subscribe run
      // through much more code in Mawjly than in the baseline: after 200 sockets per process its
      // compiles were ~27 µs per measured connect. This measures the steady state, as a server that
      // runs for days.
      const { workers } = await startSubscribers(warm * procs, procs, config, clientFds);
      try {
        const warmed = await warmUntilCompiled(server, () => Promise.all(workers.map((w) => w.churn(500, 2000))));
        console.log(warmUpLine(run, kind, "2 s of reconnects", warmed));
        await waitForQuiet(20, 20_000);
        const cpu0 = cpuMs(server.pid);
        const clients0 = clientCpuMs(workers);
        const jit0 = jitThreads(server.pid);
        const busy0 = machineBusyMs();
        const wall0 = nowMs();
        await Promise.all(workers.map((w, i) => w.open(Math.floor(sockets / procs) + (i < sockets % procs ? 1 : 0))));
        const wallMs = nowMs() - wall0;
        const serverCpuMs = cpuMs(server.pid) - cpu0;
        const jitMs = jitMsSince(server.pid, jit0);
        const row: Row = {
          perSec: (sockets * 1000) / wallMs,
          cpuUs: (serverCpuMs * 1000) / sockets,
          serverCpu: (serverCpuMs * 100) / wallMs,
          clientCpu: ((clientCpuMs(workers) - clients0) * 100) / wallMs,
          otherCpuPercent: ((machineBusyMs() - busy0 - serverCpuMs - (clientCpuMs(workers) - clients0)) * 100) / wallMs,
        };
        results[kind].push(row);
        console.log(
          `  run ${run} ${kind.padEnd(8)}: ${fmt(row.perSec)} connects+subscribes/s, server ${fmt(row.cpuUs, 1)} µs CPU each ` +
            `(${fmt(row.serverCpu, 0)}% of a core; clients ${fmt(row.clientCpu, 0)}%, other ${fmt(row.otherCpuPercent, 0)}%), JIT ${fmt(jitMs, 0)} ms`,
        );
      } finally {
        await Promise.all(workers.map((w) => w.close()));
        await server.stop();
      }
    }
  }

  const med = (kind: Kind, f: (r: Row) => number) => median(results[kind].map(f));
  const quiet = (kind: Kind, f: (r: Row) => number) => quietMedian(results[kind], f, median);
  const rows: (string | number)[][] = [["server", "connects/s", "connects/s quiet", "quiet runs", "server µs/connect", "server cpu %", "client cpu %", "other cpu %"]];
  for (const kind of ["baseline", "mawjly"] as Kind[]) {
    rows.push([
      kind,
      med(kind, (r) => r.perSec),
      quiet(kind, (r) => r.perSec).value,
      String(quiet(kind, (r) => r.perSec).quiet),
      fmt(med(kind, (r) => r.cpuUs), 1),
      med(kind, (r) => r.serverCpu),
      med(kind, (r) => r.clientCpu),
      med(kind, (r) => r.otherCpuPercent),
    ]);
  }
  const rate = [med("mawjly", (r) => r.perSec), med("baseline", (r) => r.perSec)] as const;
  const quietRate = [quiet("mawjly", (r) => r.perSec).value, quiet("baseline", (r) => r.perSec).value] as const;
  const cpu = [med("mawjly", (r) => r.cpuUs), med("baseline", (r) => r.cpuUs)] as const;
  rows.push(["ratio M/B", ratio(...rate), ratio(...quietRate), "", ratio(...cpu), "", "", ""]);
  console.log(`\nmedians of ${runs} runs each ("quiet": runs where other tenants used ≤ ${NOISY_OTHER_PERCENT}% of a core):`);
  printTable(rows);
  console.log(
    `\nconnect ratio mawjly/baseline: connects+subscribes/s ${ratio(...rate)} (quiet runs ${ratio(...quietRate)}; target ≥ 0.9×), server CPU per connect ${ratio(...cpu)}`,
  );
}

/** CPU ms of the client processes (read from /proc, so that other tenants' load can be told apart). */
function clientCpuMs(workers: SubscriberWorker[]): number {
  return workers.reduce((sum, w) => sum + cpuMs(w.proc.pid), 0);
}
