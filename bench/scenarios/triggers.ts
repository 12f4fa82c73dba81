/**
 * Scenario 4, triggers: how many signed trigger requests per second one server accepts, with one
 * subscriber on the channel (so every trigger is also published), from a separate client process
 * keeping `concurrency` keep-alive requests in flight; and the p99 request latency at that load.
 * The baseline's /trigger performs the same signature check (see baseline-server.ts).
 */
import { cpuMs, jitMsSince, jitThreads, machineBusyMs, startBenchServer, waitForQuiet, type Kind } from "../lib/servers";
import { fmt, Histogram, median, nowMs, printTable, ratio } from "../lib/stats";
import { runTriggers, startSubscribers } from "../lib/workers";
import { NOISY_OTHER_PERCENT, numberOption, quietMedian, warmUntilCompiled, warmUpLine } from "./common";

interface Row {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  serverCpu: number;
  clientCpu: number;
  otherCpuPercent: number;
  delivered: number;
  /** Server CPU µs per accepted request. */
  cpuUs: number;
}

export async function triggers(args: string[]): Promise<void> {
  const runs = numberOption(args, "runs", 3);
  const concurrency = numberOption(args, "concurrency", 32);
  const durationMs = numberOption(args, "duration", 5) * 1000;
  console.log(`triggers: ${concurrency} signed requests in flight for ${durationMs / 1000} s, 1 subscriber, ${runs} runs per server, interleaved`);
  const results: Record<Kind, Row[]> = { baseline: [], mawjly: [] };

  for (let run = 1; run <= runs; run++) {
    for (const kind of ["baseline", "mawjly"] as Kind[]) {
      const server = await startBenchServer(kind);
      const { workers } = await startSubscribers(1, 1, { url: server.wsUrl, channel: "bench" });
      try {
        const load = { url: server.url, path: server.triggerPath, ...server.app, mode: "closed", concurrency, dataBytes: 100 };
        // Warm-up (connection pool, JIT) in 2 s rounds until the JIT is done (warmUntilCompiled says why).
        const warm = await warmUntilCompiled(server, () => runTriggers({ ...load, durationMs: 2000 }, 20_000));
        console.log(warmUpLine(run, kind, "2 s", warm));
        await waitForQuiet(20, 20_000);
        await workers[0]!.reset();
        const cpu0 = cpuMs(server.pid);
        const jit0 = jitThreads(server.pid);
        const busy0 = machineBusyMs();
        const wall0 = nowMs();
        const tr = await runTriggers({ ...load, durationMs }, durationMs + 30_000);
        const wallMs = nowMs() - wall0;
        const serverCpuMs = cpuMs(server.pid) - cpu0;
        const jitMs = jitMsSince(server.pid, jit0);
        await Bun.sleep(200); // the last publishes reach the subscriber
        const sub = await workers[0]!.report();
        const hist = new Histogram();
        hist.merge(tr.hist);
        const row: Row = {
          rps: (tr.ok * 1000) / tr.elapsedMs,
          p50: hist.percentile(50),
          p99: hist.percentile(99),
          failed: tr.failed,
          serverCpu: (serverCpuMs * 100) / wallMs,
          clientCpu: ((tr.clientCpuMs + sub.cpu) * 100) / wallMs,
          otherCpuPercent: ((machineBusyMs() - busy0 - serverCpuMs - tr.clientCpuMs - sub.cpu) * 100) / wallMs,
          delivered: sub.received,
          cpuUs: (serverCpuMs * 1000) / Math.max(1, tr.ok),
        };
        results[kind].push(row);
        console.log(
          `  run ${run} ${kind.padEnd(8)}: ${fmt(row.rps)} req/s p50 ${fmt(row.p50)} ms p99 ${fmt(row.p99)} ms, failed ${row.failed} ` +
            `${JSON.stringify(tr.statuses)}, delivered ${row.delivered}/${tr.ok}; cpu server ${fmt(row.serverCpu, 0)}% ` +
            `client ${fmt(row.clientCpu, 0)}% other ${fmt(row.otherCpuPercent, 0)}%, JIT ${fmt(jitMs, 0)} ms`,
        );
      } finally {
        await Promise.all(workers.map((w) => w.close()));
        await server.stop();
      }
    }
  }

  const med = (kind: Kind, f: (r: Row) => number) => median(results[kind].map(f));
  const quiet = (kind: Kind, f: (r: Row) => number) => quietMedian(results[kind], f, median);
  const rows: (string | number)[][] = [
    ["server", "req/s", "req/s quiet", "p50 ms", "p99 ms", "p99 quiet ms", "quiet runs", "server µs/req", "server cpu %", "client cpu %", "other cpu %"],
  ];
  for (const kind of ["baseline", "mawjly"] as Kind[]) {
    rows.push([
      kind,
      med(kind, (r) => r.rps),
      quiet(kind, (r) => r.rps).value,
      med(kind, (r) => r.p50),
      med(kind, (r) => r.p99),
      quiet(kind, (r) => r.p99).value,
      String(quiet(kind, (r) => r.p99).quiet),
      med(kind, (r) => r.cpuUs),
      med(kind, (r) => r.serverCpu),
      med(kind, (r) => r.clientCpu),
      med(kind, (r) => r.otherCpuPercent),
    ]);
  }
  const pair = (f: (k: Kind) => number) => [f("mawjly"), f("baseline")] as const;
  const rps = pair((k) => med(k, (r) => r.rps));
  const p99 = pair((k) => med(k, (r) => r.p99));
  const cpuUs = pair((k) => med(k, (r) => r.cpuUs));
  rows.push([
    "ratio M/B",
    ratio(...rps),
    ratio(...pair((k) => quiet(k, (r) => r.rps).value)),
    ratio(...pair((k) => med(k, (r) => r.p50))),
    ratio(...p99),
    ratio(...pair((k) => quiet(k, (r) => r.p99).value)),
    "",
    ratio(...cpuUs),
    "",
    "",
    "",
  ]);
  console.log(`\nmedians of ${runs} runs each ("quiet": runs where other tenants used ≤ ${NOISY_OTHER_PERCENT}% of a core):`);
  printTable(rows);
  console.log(`\ntriggers ratio mawjly/baseline: req/s ${ratio(...rps)}, p99 ${ratio(...p99)}, server CPU per request ${ratio(...cpuUs)}`);
}
