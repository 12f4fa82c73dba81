/**
 * Webhook delivery of two checkouts, interleaved: `bun bench/webhooks/compare.ts --against DIR
 * [--rounds 3] [--drain 20000] [--batch-drain 100000] [--postgres]`. DIR is another checkout of
 * Mawjly (e.g. `git archive <rev> | tar -x -C DIR`, with node_modules linked); this one is ".".
 *
 * Each round drains a pre-filled outbox (drain.ts) with one server of each checkout in turn, one event
 * per request and batched, so a slow minute of the shared machine hits both. Delivery has no raw-Bun
 * baseline; what matters is that a change does not make it slower (the "within 3 %"), and
 * sessions apart cannot tell that: the same code read 2,700 and 6,000 events/s on different hours.
 *
 * A checkout is chosen by MAWJLY_BENCH_ROOT, which bench/lib/servers.ts reads once at import: each
 * measurement is therefore a child process of this script, given the variable explicitly (Bun.spawn
 * passes the environment this process started with, not variables set since). With --postgres, every
 * measurement gets a fresh database of one throw-away cluster (test/support/postgres.ts).
 */
import { join } from "node:path";
import { startPostgres, type PostgresHandle } from "../../test/support/postgres";
import { fmt, median, printTable, ratio } from "../lib/stats";
import { cpuMs, ROOT } from "../lib/servers";
import { numberOption } from "../scenarios/common";
import { clusterCpuMs } from "../scenarios/store";
import { measureDrain, type DrainResult } from "./drain";
import { BENCH_SECRET, ReceiverProc } from "./procs";

type Mode = "single" | "batch";
const args = process.argv.slice(2);

if (args[0] === "--child") {
  // One measurement with its own receiver: --child MODE EVENTS [DATABASE_URL POSTMASTER_PID]; answers
  // one JSON line. The database's CPU is that of the cluster's processes (as in the store scenario).
  const [, mode, events, databaseUrl, postmaster] = args;
  const databaseCpu = postmaster === undefined ? undefined : () => clusterCpuMs(Number(postmaster));
  const receiver = new ReceiverProc();
  try {
    await receiver.start(BENCH_SECRET);
    const result = await measureDrain(mode as Mode, Number(events), receiver, cpuMs, { databaseUrl, databaseCpu });
    console.log(JSON.stringify(result));
  } finally {
    await receiver.stop();
  }
  process.exit(0);
}

const at = args.indexOf("--against");
if (at < 0 || args[at + 1] === undefined) {
  console.error("usage: bun bench/webhooks/compare.ts --against DIR [--rounds 3] [--drain 20000] [--batch-drain 100000] [--postgres]");
  process.exit(2);
}
const roots = { this: ROOT, other: args[at + 1]! };
const rounds = numberOption(args, "rounds", 3);
const events: Record<Mode, number> = { single: numberOption(args, "drain", 20_000), batch: numberOption(args, "batch-drain", 100_000) };
const pg: PostgresHandle | undefined = args.includes("--postgres") ? await startPostgres() : undefined;
const results = new Map<string, DrainResult[]>();

try {
  for (let round = 1; round <= rounds; round++) {
    for (const mode of ["single", "batch"] as const) {
      for (const [name, root] of Object.entries(roots)) {
        const database = pg === undefined ? [] : [await pg.freshDatabase(), String(pg.pid())];
        const child = Bun.spawnSync([process.execPath, join(import.meta.dir, "compare.ts"), "--child", mode, String(events[mode]), ...database], {
          env: { ...process.env, MAWJLY_BENCH_ROOT: root },
          stderr: "inherit",
        });
        if (child.exitCode !== 0) throw new Error(`the ${name} checkout's ${mode} drain failed (exit ${child.exitCode})`);
        const r = JSON.parse(child.stdout.toString().trim().split("\n").at(-1)!) as DrainResult;
        const key = `${mode} ${name}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        const cpu = ((r.serverCpuMs + r.databaseCpuMs) * 1000) / r.events;
        console.log(`  round ${round} ${key.padEnd(12)} ${r.delivered}/${r.events} events: ${fmt(r.eventsPerSec, 0)} events/s, cpu ${fmt(cpu, 1)} µs/event`);
      }
    }
  }
} finally {
  await pg?.stop();
}

const rows: (string | number)[][] = [["mode", "checkout", "events/s", "cpu µs/event (server + database)"]];
const summary: string[] = [];
for (const mode of ["single", "batch"] as const) {
  const per = (name: string) => {
    const rs = results.get(`${mode} ${name}`)!;
    return { rate: median(rs.map((r) => r.eventsPerSec)), cpu: median(rs.map((r) => ((r.serverCpuMs + r.databaseCpuMs) * 1000) / r.events)) };
  };
  const [mine, theirs] = [per("this"), per("other")];
  rows.push([mode, "this", mine.rate, mine.cpu], [mode, roots.other, theirs.rate, theirs.cpu]);
  summary.push(`${mode}: events/s ${ratio(mine.rate, theirs.rate)}, cpu per event ${ratio(mine.cpu, theirs.cpu)}`);
}
printTable(rows);
console.log(`webhook delivery${pg === undefined ? "" : " on PostgreSQL"}, this checkout against ${roots.other} (medians of ${rounds} rounds): ${summary.join("; ")}`);
