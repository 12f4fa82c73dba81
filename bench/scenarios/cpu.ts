/**
 * Scenario 3, cpu: server CPU time (utime + stime of the server process, from /proc/PID/stat) per
 * delivered message at a fixed trigger rate with N subscribers. The window runs from the first trigger
 * to the end of the drain, so idle work in that window (timers, the app watcher's poll) is included;
 * an idle reading taken beforehand shows how much that is.
 */
import { cpuMs, startBenchServer, type Kind } from "../lib/servers";
import { fmt, median, printTable, ratio } from "../lib/stats";
import { startSubscribers } from "../lib/workers";
import { measureFanout, NOISY_OTHER_PERCENT, numberOption, quietMedian, type FanoutResult } from "./common";

export async function cpu(args: string[]): Promise<void> {
  const runs = numberOption(args, "runs", 3);
  const subscribers = numberOption(args, "subscribers", 1000);
  const rate = numberOption(args, "rate", 200);
  const durationMs = numberOption(args, "duration", 10) * 1000;
  const procs = numberOption(args, "sub-procs", 2);
  console.log(`cpu: ${subscribers} subscribers, ${rate} triggers/s for ${durationMs / 1000} s, ${runs} runs per server, interleaved`);
  const results: Record<Kind, (FanoutResult & { idleMsPerSec: number })[]> = { baseline: [], mawjly: [] };

  for (let run = 1; run <= runs; run++) {
    for (const kind of ["baseline", "mawjly"] as Kind[]) {
      const server = await startBenchServer(kind);
      const { workers } = await startSubscribers(subscribers, procs, { url: server.wsUrl, channel: "bench" });
      try {
        await measureFanout(server, workers, subscribers, 50, 1000, 100, false); // warm-up
        const idle0 = cpuMs(server.pid);
        await Bun.sleep(2000);
        const idleMsPerSec = (cpuMs(server.pid) - idle0) / 2;
        const r = await measureFanout(server, workers, subscribers, rate, durationMs);
        results[kind].push({ ...r, idleMsPerSec });
        console.log(
          `  run ${run} ${kind.padEnd(8)}: ${fmt(r.serverCpuMs, 0)} ms cpu for ${r.received} msgs = ${fmt(r.cpuUsPerMsg, 3)} µs/msg ` +
            `(${fmt(r.cpuPercent, 0)}% of a core; idle ${fmt(idleMsPerSec, 1)} ms/s; other tenants ${fmt(r.otherCpuPercent, 0)}%; lost ${r.lost})`,
        );
      } finally {
        await Promise.all(workers.map((w) => w.close()));
        await server.stop();
      }
    }
  }

  const med = (kind: Kind, f: (r: FanoutResult & { idleMsPerSec: number }) => number) => median(results[kind].map(f));
  const quiet = (kind: Kind) => quietMedian(results[kind], (r) => r.cpuUsPerMsg, median);
  const rows: (string | number)[][] = [["server", "cpu µs/msg", "µs/msg quiet", "quiet runs", "cpu ms/trigger", "cpu % of core", "idle cpu ms/s", "delivered msgs", "other cpu %"]];
  for (const kind of ["baseline", "mawjly"] as Kind[]) {
    rows.push([
      kind,
      fmt(med(kind, (r) => r.cpuUsPerMsg), 3),
      fmt(quiet(kind).value, 3),
      String(quiet(kind).quiet),
      fmt(med(kind, (r) => r.serverCpuMs / r.triggersOk), 3),
      med(kind, (r) => r.cpuPercent),
      med(kind, (r) => r.idleMsPerSec),
      med(kind, (r) => r.received),
      med(kind, (r) => r.otherCpuPercent),
    ]);
  }
  console.log(`\nmedians of ${runs} runs each ("quiet": runs where other tenants used ≤ ${NOISY_OTHER_PERCENT}% of a core):`);
  printTable(rows);
  const m = med("mawjly", (r) => r.cpuUsPerMsg);
  const b = med("baseline", (r) => r.cpuUsPerMsg);
  console.log(
    `\ncpu ratio mawjly/baseline (CPU per delivered message): ${ratio(m, b)}, quiet runs ${ratio(quiet("mawjly").value, quiet("baseline").value)} (target ≤ 1.25×)`,
  );
}
