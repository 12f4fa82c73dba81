/**
 * Scenario 6, channels: many small channels instead of one big one. `--channels` channels with
 * `--per-channel` subscribers each (own processes), signed triggers at each of `--rates`, every
 * trigger to the next channel in turn; server CPU per delivered message, loss and latency.
 */
import { startBenchServer, type Kind } from "../lib/servers";
import { fmt, median, printTable, ratio } from "../lib/stats";
import { startSubscribers, type SubscriberWorker } from "../lib/workers";
import { listOption, measureFanout, numberOption, warmUntilCompiled, warmUpLine, type FanoutResult } from "./common";

export async function channels(args: string[]): Promise<void> {
  const runs = numberOption(args, "runs", 3);
  const count = numberOption(args, "channels", 5000);
  const perChannel = numberOption(args, "per-channel", 2);
  const rates = listOption(args, "rates", [1000, 3000, 6000]);
  const durationMs = numberOption(args, "duration", 5) * 1000;
  const procs = numberOption(args, "sub-procs", 2);
  console.log(
    `channels: ${count} channels × ${perChannel} subscribers (${procs} processes per set), triggers round-robin over the channels at ` +
      `${rates.join("/")}/s for ${durationMs / 1000} s each, ${runs} runs per server, interleaved`,
  );
  const results: Record<Kind, FanoutResult[][]> = { baseline: [], mawjly: [] };
  const triggerOptions = { channelPrefix: "c-", channelCount: count };

  for (let run = 1; run <= runs; run++) {
    for (const kind of ["baseline", "mawjly"] as Kind[]) {
      const server = await startBenchServer(kind, { nofile: count * perChannel + 1000 });
      const workers: SubscriberWorker[] = [];
      try {
        // Each set subscribes one socket to every channel c-0 … c-(count-1).
        for (let set = 0; set < perChannel; set++) {
          workers.push(...(await startSubscribers(count, procs, { url: server.wsUrl, channelPrefix: "c-" }, count + 1000)).workers);
        }
        // Warm-up at the highest rate until the JIT is done (warmUntilCompiled says why).
        const top = Math.max(...rates);
        const warm = await warmUntilCompiled(server, () => measureFanout(server, workers, perChannel, top, 2000, 100, false, triggerOptions));
        console.log(warmUpLine(run, kind, `2 s at ${top}/s`, warm));
        const perRate: FanoutResult[] = [];
        for (const rate of rates) {
          const r = await measureFanout(server, workers, perChannel, rate, durationMs, 100, true, triggerOptions);
          perRate.push(r);
          console.log(
            `  run ${run} ${kind.padEnd(8)} ${String(rate).padStart(5)}/s: ${fmt(r.cpuUsPerMsg, 1)} µs CPU per delivery, ` +
              `p50 ${fmt(r.p50)} ms p99 ${fmt(r.p99)} ms, lost ${r.lost}, failed ${r.triggersFailed}; cpu server ${fmt(r.cpuPercent, 0)}% ` +
              `clients ${fmt(r.clientCpuPercent, 0)}% other ${fmt(r.otherCpuPercent, 0)}%, JIT ${fmt(r.jitMs, 0)} ms`,
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
  const rows: (string | number)[][] = [["triggers/s", "baseline µs/delivery", "mawjly µs/delivery", "ratio M/B", "baseline lost", "mawjly lost", "mawjly p99 ms"]];
  const ratios: string[] = [];
  rates.forEach((rate, i) => {
    const b = med("baseline", i, (r) => r.cpuUsPerMsg);
    const m = med("mawjly", i, (r) => r.cpuUsPerMsg);
    ratios.push(`${rate}/s ${ratio(m, b)}`);
    rows.push([rate, fmt(b, 1), fmt(m, 1), ratio(m, b), med("baseline", i, (r) => r.lost), med("mawjly", i, (r) => r.lost), med("mawjly", i, (r) => r.p99)]);
  });
  console.log(`\nmedians of ${runs} runs each:`);
  printTable(rows);
  console.log(`\nchannels ratio mawjly/baseline (server CPU per delivered message): ${ratios.join(", ")} (target ≤ 1.3×)`);
}
