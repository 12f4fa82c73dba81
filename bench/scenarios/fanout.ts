/**
 * Scenario 1, fanout: N subscribers on one channel, signed HTTP triggers at several fixed rates.
 * Baseline and Mawjly are interleaved run by run (B, M, B, M, ...) so slow drift of the shared machine
 * hits both alike; each gets a fresh server and fresh subscriber processes per run.
 */
import { startBenchServer, type Kind } from "../lib/servers";
import { fmt, median, printTable, ratio } from "../lib/stats";
import { startSubscribers } from "../lib/workers";
import { listOption, measureFanout, NOISY_OTHER_PERCENT, numberOption, quietMedian, type FanoutResult } from "./common";

export async function fanout(args: string[]): Promise<void> {
  const runs = numberOption(args, "runs", 3);
  const subscribers = numberOption(args, "subscribers", 1000);
  const durationMs = numberOption(args, "duration", 5) * 1000;
  const rates = listOption(args, "rates", [50, 200, 500]);
  const procs = numberOption(args, "sub-procs", 2);
  console.log(
    `fanout: ${subscribers} subscribers in ${procs} processes on one channel, 100-byte data, ` +
      `${rates.join("/")} triggers/s for ${durationMs / 1000} s each, ${runs} runs per server, interleaved`,
  );
  const results: Record<Kind, FanoutResult[][]> = { baseline: [], mawjly: [] };

  for (let run = 1; run <= runs; run++) {
    for (const kind of ["baseline", "mawjly"] as Kind[]) {
      const server = await startBenchServer(kind);
      const { workers, openMs } = await startSubscribers(subscribers, procs, { url: server.wsUrl, channel: "bench" });
      try {
        // Warm-up: JIT both servers' trigger and publish paths before anything is measured.
        await measureFanout(server, workers, subscribers, 50, 1000, 100, false);
        const perRate: FanoutResult[] = [];
        for (const rate of rates) {
          const r = await measureFanout(server, workers, subscribers, rate, durationMs);
          perRate.push(r);
          console.log(
            `  run ${run} ${kind.padEnd(8)} ${String(rate).padStart(4)}/s: delivered ${fmt(r.deliveredPerSec)}/s ` +
              `p50 ${fmt(r.p50)} ms p99 ${fmt(r.p99)} ms lost ${r.lost} (failed triggers ${r.triggersFailed}, ` +
              `late sends ${r.late}) cpu server ${fmt(r.cpuPercent, 0)}% clients ${fmt(r.clientCpuPercent, 0)}% other ${fmt(r.otherCpuPercent, 0)}% (subscribed in ${fmt(openMs, 0)} ms)`,
          );
        }
        results[kind].push(perRate);
      } finally {
        await Promise.all(workers.map((w) => w.close()));
        await server.stop();
      }
    }
  }

  const med = (kind: Kind, i: number, f: (r: FanoutResult) => number) => median(results[kind].map((run) => f(run[i]!)));
  const quiet = (kind: Kind, i: number, f: (r: FanoutResult) => number) => quietMedian(results[kind].map((run) => run[i]!), f, median);
  const rows: (string | number)[][] = [
    ["rate/s", "server", "delivered msg/s", "p50 ms", "p99 ms", "p99 quiet ms", "quiet runs", "lost (sum)", "HTTP p99 ms", "server cpu %", "client cpu %"],
  ];
  const verdicts: string[] = [];
  rates.forEach((rate, i) => {
    for (const kind of ["baseline", "mawjly"] as Kind[]) {
      rows.push([
        String(rate),
        kind,
        med(kind, i, (r) => r.deliveredPerSec),
        med(kind, i, (r) => r.p50),
        med(kind, i, (r) => r.p99),
        quiet(kind, i, (r) => r.p99).value,
        String(quiet(kind, i, (r) => r.p99).quiet),
        String(results[kind].reduce((s, run) => s + run[i]!.lost, 0)),
        med(kind, i, (r) => r.httpP99),
        med(kind, i, (r) => r.cpuPercent),
        med(kind, i, (r) => r.clientCpuPercent),
      ]);
    }
    const d = [med("mawjly", i, (r) => r.deliveredPerSec), med("baseline", i, (r) => r.deliveredPerSec)] as const;
    const p = [med("mawjly", i, (r) => r.p99), med("baseline", i, (r) => r.p99)] as const;
    const pq = [quiet("mawjly", i, (r) => r.p99).value, quiet("baseline", i, (r) => r.p99).value] as const;
    const p50 = ratio(med("mawjly", i, (r) => r.p50), med("baseline", i, (r) => r.p50));
    rows.push([String(rate), "ratio M/B", ratio(...d), p50, ratio(...p), ratio(...pq), "", "", "", "", ""]);
    const lost = results.mawjly.reduce((s, run) => s + run[i]!.lost, 0);
    verdicts.push(`${rate}/s delivered ${ratio(...d)} p99 ${ratio(...p)} (quiet runs ${ratio(...pq)}) lost ${lost}`);
  });
  console.log(`\nmedians of ${runs} runs each ("quiet": runs where other tenants used ≤ ${NOISY_OTHER_PERCENT}% of a core):`);
  printTable(rows);
  console.log(`\nfanout ratio mawjly/baseline: ${verdicts.join("; ")} (targets: delivered ≥ 0.90×, p99 ≤ 1.20×, 0 lost)`);
}
