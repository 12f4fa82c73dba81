/**
 * Scenario cluster: 2 nodes + Redis against 1 node, same run, interleaved. 1,000 subscribers (split
 * evenly over the two nodes in the cluster case), signed triggers sent to node A at fixed rates.
 * Reports loss, p99 trigger→receive latency, server CPU per delivered message (both nodes + Redis
 * for the cluster, the one node otherwise) and Redis commands per trigger.
 * Targets (issue 11): 0 lost; CPU per delivery ≤ 1.3× one node; p99 ≤ one node's p99 + 5 ms.
 */
import { startBenchCluster } from "../lib/cluster";
import { cpuMs, startBenchServer, waitForQuiet } from "../lib/servers";
import { fmt, median, printTable, ratio } from "../lib/stats";
import { startSubscribers, type SubscriberWorker } from "../lib/workers";
import { listOption, measureFanout, numberOption, type FanoutResult } from "./common";

type Shape = "one node" | "2 nodes + Redis";
interface Row extends FanoutResult {
  totalCpuUsPerMsg: number;
  redisPerTrigger: number;
}

export async function cluster(args: string[]): Promise<void> {
  const runs = numberOption(args, "runs", 3);
  const subscribers = numberOption(args, "subscribers", 1000);
  const durationMs = numberOption(args, "duration", 5) * 1000;
  const rates = listOption(args, "rates", [50, 200]);
  console.log(
    `cluster: ${subscribers} subscribers (split over the nodes), triggers to node A at ${rates.join("/")}/s for ${durationMs / 1000} s, ${runs} runs, interleaved`,
  );
  const results: Record<Shape, Row[][]> = { "one node": [], "2 nodes + Redis": [] };
  for (let run = 1; run <= runs; run++) {
    for (const shape of ["one node", "2 nodes + Redis"] as Shape[]) {
      const c = shape === "one node" ? undefined : await startBenchCluster(2);
      const single = c === undefined ? await startBenchServer("mawjly") : undefined;
      const nodes = c?.nodes ?? [single!];
      const workers: SubscriberWorker[] = [];
      try {
        for (const [i, node] of nodes.entries()) {
          const share = Math.floor(subscribers / nodes.length) + (i < subscribers % nodes.length ? 1 : 0);
          workers.push(...(await startSubscribers(share, 1, { url: node.wsUrl, channel: "bench" })).workers);
        }
        // Warm-up of every path (JIT, Redis subscriptions) before anything is measured.
        await measureFanout(nodes[0]!, workers, subscribers, 50, 1000, 100, false);
        const perRate: Row[] = [];
        for (const rate of rates) {
          await waitForQuiet(20, 20_000);
          const cpu0 = c?.cpuMs() ?? cpuMs(single!.pid);
          const commands0 = (await c?.redisCommands()) ?? 0;
          const r = await measureFanout(nodes[0]!, workers, subscribers, rate, durationMs, 100, false);
          const spent = (c?.cpuMs() ?? cpuMs(single!.pid)) - cpu0;
          const commands = ((await c?.redisCommands()) ?? 0) - commands0;
          const row = { ...r, totalCpuUsPerMsg: (spent * 1000) / Math.max(1, r.received), redisPerTrigger: commands / Math.max(1, r.triggersOk) };
          perRate.push(row);
          console.log(
            `  run ${run} ${shape.padEnd(15)} ${String(rate).padStart(4)}/s: delivered ${fmt(r.deliveredPerSec)}/s p99 ${fmt(r.p99)} ms lost ${r.lost} ` +
              `cpu ${fmt(row.totalCpuUsPerMsg, 2)} µs/msg redis ${fmt(row.redisPerTrigger, 1)} cmds/trigger other ${fmt(r.otherCpuPercent, 0)}%`,
          );
        }
        results[shape].push(perRate);
      } finally {
        await Promise.all(workers.map((w) => w.close()));
        await (c?.stop() ?? single!.stop());
      }
    }
  }
  const med = (shape: Shape, i: number, f: (r: Row) => number) => median(results[shape].map((run) => f(run[i]!)));
  const rows: (string | number)[][] = [["rate/s", "shape", "delivered msg/s", "p50 ms", "p99 ms", "lost (sum)", "CPU µs/delivery", "Redis cmds/trigger"]];
  const verdicts: string[] = [];
  rates.forEach((rate, i) => {
    for (const shape of ["one node", "2 nodes + Redis"] as Shape[]) {
      rows.push([
        String(rate),
        shape,
        med(shape, i, (r) => r.deliveredPerSec),
        med(shape, i, (r) => r.p50),
        med(shape, i, (r) => r.p99),
        String(results[shape].reduce((s, run) => s + run[i]!.lost, 0)),
        med(shape, i, (r) => r.totalCpuUsPerMsg),
        med(shape, i, (r) => r.redisPerTrigger),
      ]);
    }
    const cpu = ratio(med("2 nodes + Redis", i, (r) => r.totalCpuUsPerMsg), med("one node", i, (r) => r.totalCpuUsPerMsg));
    const p99 = med("2 nodes + Redis", i, (r) => r.p99) - med("one node", i, (r) => r.p99);
    const lost = results["2 nodes + Redis"].reduce((s, run) => s + run[i]!.lost, 0);
    verdicts.push(`${rate}/s CPU per delivery ${cpu}, p99 ${p99 >= 0 ? "+" : ""}${fmt(p99)} ms, lost ${lost}, Redis ${fmt(med("2 nodes + Redis", i, (r) => r.redisPerTrigger), 1)} cmds/trigger`);
  });
  console.log(`\nmedians of ${runs} runs each:`);
  printTable(rows);
  console.log(`\ncluster ratio 2 nodes+Redis / one node: ${verdicts.join("; ")} (targets: CPU ≤ 1.30×, p99 ≤ +5 ms, 0 lost)`);
}
