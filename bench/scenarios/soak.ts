/**
 * Scenario 7, soak: a mixed steady load for `--duration` seconds, then the server's anonymous RSS
 * (RssAnon: heaps and buffers, not mapped code). `--sockets` sockets each on its own channel, plus
 * `--members` sockets in presence channels of 100 members (signed joins, one user each; the baseline accepts
 * them without checking), `--rate` signed triggers/s round-robin over the channels, and `--reconnects`
 * sockets/s closed and reopened. Reported: anonymous RSS at rest, at the end of the load, and its peak.
 */
import { checkFdLimit, rssBytes, startBenchServer, type Kind } from "../lib/servers";
import { fmt, median, printTable, ratio } from "../lib/stats";
import { runTriggers, startSubscribers, type SubscriberWorker } from "../lib/workers";
import { numberOption } from "./common";

const MB = 1024 * 1024;

export async function soak(args: string[]): Promise<void> {
  const runs = numberOption(args, "runs", 3);
  const sockets = numberOption(args, "sockets", 5000);
  const members = numberOption(args, "members", 500);
  const rate = numberOption(args, "rate", 300);
  const reconnects = numberOption(args, "reconnects", 50);
  const durationMs = numberOption(args, "duration", 30) * 1000;
  const procs = numberOption(args, "sub-procs", 2);
  const fds = checkFdLimit(sockets + members + 1000);
  console.log(
    `soak: ${sockets} sockets on their own channels + ${members} presence members, ${rate} triggers/s, ${reconnects} reconnects/s ` +
      `for ${durationMs / 1000} s, ${runs} runs per server, interleaved`,
  );
  type Row = { rest: number; end: number; peak: number };
  const results: Record<Kind, Row[]> = { baseline: [], mawjly: [] };

  for (let run = 1; run <= runs; run++) {
    for (const kind of ["baseline", "mawjly"] as Kind[]) {
      const server = await startBenchServer(kind, { nofile: fds });
      const workers: SubscriberWorker[] = [];
      try {
        await Bun.sleep(1000);
        const rest = rssBytes(server.pid, "RssAnon");
        const plain = await startSubscribers(sockets, procs, { url: server.wsUrl, channelPrefix: "c-" }, fds);
        workers.push(...plain.workers);
        const presence = { channel: "presence-soak", key: server.app.key, secret: server.app.secret };
        workers.push(...(await startSubscribers(members, 1, { url: server.wsUrl, presence }, fds)).workers);
        let peak = rssBytes(server.pid, "RssAnon");
        const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(server.pid, "RssAnon"))), 500);
        const load = { url: server.url, path: server.triggerPath, ...server.app, mode: "rate", rate, durationMs, dataBytes: 100, channelPrefix: "c-", channelCount: sockets };
        const [tr] = await Promise.all([
          runTriggers(load, durationMs + 30_000),
          ...plain.workers.map((w) => w.churn(reconnects / procs, durationMs)),
        ]);
        clearInterval(sampler);
        await Bun.sleep(2000); // let the last reconnects settle
        const end = rssBytes(server.pid, "RssAnon");
        results[kind].push({ rest, end, peak: Math.max(peak, end) });
        console.log(
          `  run ${run} ${kind.padEnd(8)}: anonymous RSS at rest ${fmt(rest / MB, 1)} MB, end ${fmt(end / MB, 1)} MB, peak ${fmt(Math.max(peak, end) / MB, 1)} MB; ` +
            `triggers ok ${tr.ok} failed ${tr.failed} ${JSON.stringify(tr.statuses)}`,
        );
      } finally {
        await Promise.all(workers.map((w) => w.close()));
        await server.stop();
      }
    }
  }

  const med = (kind: Kind, f: (r: Row) => number) => median(results[kind].map(f));
  const rows: (string | number)[][] = [["server", "at rest MB", "end of load MB", "peak MB"]];
  for (const kind of ["baseline", "mawjly"] as Kind[]) {
    rows.push([kind, fmt(med(kind, (r) => r.rest) / MB, 1), fmt(med(kind, (r) => r.end) / MB, 1), fmt(med(kind, (r) => r.peak) / MB, 1)]);
  }
  const end = [med("mawjly", (r) => r.end), med("baseline", (r) => r.end)] as const;
  rows.push(["ratio M/B", ratio(med("mawjly", (r) => r.rest), med("baseline", (r) => r.rest)), ratio(...end), ratio(med("mawjly", (r) => r.peak), med("baseline", (r) => r.peak))]);
  console.log(`\nmedians of ${runs} runs each (anonymous RSS):`);
  printTable(rows);
  console.log(`\nsoak ratio mawjly/baseline (anonymous RSS at the end of the load): ${ratio(...end)} (target ≤ 2×)`);
}
