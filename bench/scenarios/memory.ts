/**
 * Scenario 2, memory: server RSS (VmRSS of the server process) with 1,000 and then 10,000 idle
 * connections, each subscribed to its own channel; the cost of one connection is the RSS added
 * between the two points divided by the 9,000 extra connections, which cancels the fixed cost
 * (runtime, code, SQLite, Elysia) that the baseline does not have.
 *
 * 10,000 sockets need 10,000+ descriptors in the server and 10,000/procs in each client: every
 * process is spawned through `ulimit -n` (lib/servers.ts withFdLimit), after checking the hard limit,
 * and the server's effective limit is read back from /proc/PID/limits and printed.
 */
import { fdLimits, rssBytes, startBenchServer, checkFdLimit, type Kind } from "../lib/servers";
import { fmt, median, printTable, ratio } from "../lib/stats";
import { startSubscribers } from "../lib/workers";
import { numberOption } from "./common";

/** RSS settles as garbage from the handshakes is collected: take the lowest of several samples. */
async function settledRss(pid: number, ms = 3000): Promise<number> {
  let low = Infinity;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await Bun.sleep(250);
    low = Math.min(low, rssBytes(pid));
  }
  return low;
}

const MB = 1024 * 1024;

export async function memory(args: string[]): Promise<void> {
  const runs = numberOption(args, "runs", 3);
  const low = numberOption(args, "low", 1000);
  const high = numberOption(args, "high", 10000);
  const procs = numberOption(args, "sub-procs", 4);
  const serverFds = checkFdLimit(high + 1000);
  const clientFds = checkFdLimit(Math.ceil(high / procs) + 1000);
  console.log(
    `memory: ${low} then ${high} idle connections, each on its own channel, clients in ${procs} processes, ${runs} runs per server, interleaved;` +
      ` ulimit -n ${serverFds} (server) / ${clientFds} (clients), hard limit ${fdLimits()[1]}`,
  );
  type Row = { rss0: number; anon0: number; rssLow: number; rssHigh: number; perConn: number };
  const results: Record<Kind, Row[]> = { baseline: [], mawjly: [] };

  for (let run = 1; run <= runs; run++) {
    for (const kind of ["baseline", "mawjly"] as Kind[]) {
      const server = await startBenchServer(kind, { nofile: serverFds });
      const [soft] = fdLimits(server.pid);
      if (soft < high + 100) throw new Error(`server fd limit is ${soft}, need ${high + 100}`);
      const rss0 = await settledRss(server.pid, 1000);
      const anon0 = rssBytes(server.pid, "RssAnon");
      // Channel ranges 1,000,000 apart per worker keep every socket's channel unique as they grow.
      const { workers } = await startSubscribers(low, procs, { url: server.wsUrl, channelPrefix: "c-", channelStride: 1_000_000 }, clientFds);
      try {
        const rssLow = await settledRss(server.pid);
        const more = high - low;
        await Promise.all(workers.map((w, i) => w.open(Math.floor(more / procs) + (i < more % procs ? 1 : 0))));
        const rssHigh = await settledRss(server.pid);
        const perConn = (rssHigh - rssLow) / more;
        results[kind].push({ rss0, anon0, rssLow, rssHigh, perConn });
        console.log(
          `  run ${run} ${kind.padEnd(8)}: RSS idle ${fmt(rss0 / MB, 1)} MB (anonymous ${fmt(anon0 / MB, 1)} MB), ${low} conns ${fmt(rssLow / MB, 1)} MB, ` +
            `${high} conns ${fmt(rssHigh / MB, 1)} MB → ${fmt(perConn / 1024, 2)} KB per connection (fd limit ${soft})`,
        );
      } finally {
        await Promise.all(workers.map((w) => w.close()));
        await server.stop();
      }
    }
  }

  const med = (kind: Kind, f: (r: Row) => number) => median(results[kind].map(f));
  const rows: (string | number)[][] = [["server", "idle MB", "idle anon MB", `${low} conns MB`, `${high} conns MB`, "KB per connection"]];
  for (const kind of ["baseline", "mawjly"] as Kind[]) {
    rows.push([
      kind,
      med(kind, (r) => r.rss0 / MB),
      med(kind, (r) => r.anon0 / MB),
      med(kind, (r) => r.rssLow / MB),
      med(kind, (r) => r.rssHigh / MB),
      med(kind, (r) => r.perConn / 1024),
    ]);
  }
  console.log(`\nmedians of ${runs} runs each:`);
  printTable(rows);
  const m = med("mawjly", (r) => r.perConn);
  const b = med("baseline", (r) => r.perConn);
  console.log(`\nmemory ratio mawjly/baseline (RSS per connection, ${low}→${high}): ${ratio(m, b)} (target ≤ 1.2×)`);
  // On paper: the per-socket cost measured above, times 100,000, plus each server's idle RSS.
  const onPaper = (kind: Kind) => (med(kind, (r) => r.rss0) + 100_000 * med(kind, (r) => r.perConn)) / MB;
  console.log(`100,000 idle sockets on one node, from these figures: mawjly ≈ ${fmt(onPaper("mawjly"), 0)} MB, baseline ≈ ${fmt(onPaper("baseline"), 0)} MB RSS`);
}
