/**
 * Starts the server under test (Mawjly or the raw-Bun baseline) as its own process, the same way for
 * both, and reads its RSS and CPU time from /proc. We keep the pid (test/support/server.ts does not
 * expose it), which is why this is not a thin wrapper over that helper.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
export const BUN = process.execPath;
/** MAWJLY_BENCH_ROOT benchmarks another checkout (e.g. a clean snapshot while this tree is being edited). */
export const MAWJLY_ROOT = process.env.MAWJLY_BENCH_ROOT ?? ROOT;
export const MAIN = join(MAWJLY_ROOT, "src", "main.ts");
/**
 * How Mawjly is started: `bun src/main.ts` (npm start), or with MAWJLY_BENCH_BINARY=PATH the compiled
 * binary as shipped (`npm run build` writes dist/mawjly): one bundled module instead of hundreds of
 * files, which the memory scenarios show in the anonymous RSS.
 */
export const MAWJLY_CMD = process.env.MAWJLY_BENCH_BINARY ? [process.env.MAWJLY_BENCH_BINARY] : [BUN, MAIN];
export const BASELINE = join(ROOT, "bench", "baseline-server.ts");

export type Kind = "baseline" | "mawjly";

export interface BenchServer {
  kind: Kind;
  pid: number;
  port: number;
  url: string;
  wsUrl: string;
  /** Path of the signed trigger endpoint on this server. */
  triggerPath: string;
  app: { id: string; key: string; secret: string };
  output(): string;
  stop(): Promise<void>;
}

/** Runs argv with RLIMIT_NOFILE raised to `nofile` (via the shell's ulimit, then exec: same pid). */
export function withFdLimit(argv: string[], nofile: number): string[] {
  return ["/bin/sh", "-c", `ulimit -n ${nofile} && exec "$@"`, "sh", ...argv];
}

/** [soft, hard] "Max open files" of a process. */
export function fdLimits(pid: number | "self" = "self"): [number, number] {
  const line = readFileSync(`/proc/${pid}/limits`, "utf8").split("\n").find((l) => l.startsWith("Max open files"));
  const [soft, hard] = line!.trim().split(/\s+/).slice(3, 5).map(Number);
  return [soft!, hard!];
}

/** Fails early with a clear message when the hard limit cannot cover `needed` descriptors. */
export function checkFdLimit(needed: number): number {
  const [soft, hard] = fdLimits();
  if (hard < needed) {
    throw new Error(`need ${needed} open files per process but the hard limit is ${hard}: raise it (e.g. 'ulimit -Hn ${needed}' as root)`);
  }
  return Math.max(soft, needed);
}

const SECRET = "bench-secret-not-used-outside-127.0.0.1";

/**
 * The raw-Bun baseline checks no signature by default (`--no-auth`): the targets compare Mawjly's whole
 * path, signature included, with what Bun alone costs. `--baseline-auth` (bench/run.ts) turns it on.
 */
let baselineAuth = false;
export function setBaselineAuth(on: boolean): void {
  baselineAuth = on;
}
export const baselineChecksSignature = () => baselineAuth;

/** Servers still running, so that a scenario that throws does not leave them behind. */
const live = new Set<BenchServer>();

export async function stopAllServers(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
}

export async function startBenchServer(kind: Kind, opts: { nofile?: number } = {}): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `mawjly-bench-${kind}-`));
  let app = { id: "bench", key: "bench-key", secret: SECRET };
  let argv: string[];
  if (kind === "mawjly") {
    // Created through the real CLI before the server starts, as a user would; the server reads it on first use.
    Bun.spawnSync([...MAWJLY_CMD, "migrate", "--data-dir", dataDir]); // apps create never creates a database
    const r = Bun.spawnSync([...MAWJLY_CMD, "apps", "create", "--name", "bench", "--json", "--data-dir", dataDir]);
    if (r.exitCode !== 0) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`apps create failed: ${r.stderr.toString()}`);
    }
    app = JSON.parse(r.stdout.toString());
    argv = [...MAWJLY_CMD, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir, "--no-demo"];
  } else {
    argv = [BUN, BASELINE, "--host", "127.0.0.1", "--port", "0", "--key", app.key, "--secret", app.secret];
    if (!baselineAuth) argv.push("--no-auth");
  }
  // MAWJLY_BENCH_PROFILE=DIR: the server writes a CPU profile (.cpuprofile + markdown) there on exit.
  const profileDir = process.env.MAWJLY_BENCH_PROFILE;
  if (profileDir && argv[0] === BUN) argv.splice(1, 0, "--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${kind}-${Date.now()}`);
  if (opts.nofile !== undefined) argv = withFdLimit(argv, opts.nofile);
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", cwd: ROOT });
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) out += decoder.decode(chunk);
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const deadline = Date.now() + 15_000;
  let port = 0;
  while (port === 0) {
    const match = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
    if (match) port = Number(match[1]);
    else if (proc.exitCode !== null) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`${kind} exited with ${proc.exitCode}:\n${out}`);
    }
    else if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`${kind} did not start:\n${out}`);
    }
    else await Bun.sleep(20);
  }
  const server: BenchServer = {
    kind,
    pid: proc.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/app/${app.key}?protocol=7`,
    triggerPath: kind === "mawjly" ? `/apps/${app.id}/events` : "/trigger",
    app,
    output: () => out,
    async stop() {
      live.delete(server);
      if (proc.exitCode === null) proc.kill("SIGTERM");
      // Bounded: a server that ignores SIGTERM for 10 s is killed.
      const timer = setTimeout(() => proc.exitCode === null && proc.kill("SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  live.add(server);
  return server;
}

/** Resident set size in bytes (VmRSS; `RssAnon` for the anonymous part: heaps, not mapped code). */
export function rssBytes(pid: number, field: "VmRSS" | "RssAnon" = "VmRSS"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
  return Number(/(\d+)/.exec(line!)![1]) * 1024;
}

const CLK_TCK = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** utime + stime in ms of a /proc stat line. Fields are counted after the ')' of comm, which may contain spaces. */
function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** utime + stime of a process in ms. */
export function cpuMs(pid: number | "self"): number {
  return statCpuMs(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/**
 * CPU ms per thread id of the JIT's compiler threads ("JITWorker") of a process, for jitMsSince; empty
 * once the process has ended.
 */
export function jitThreads(pid: number): Map<string, number> {
  const threads = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads; // the process ended
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // the thread ended meanwhile
    }
    if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).startsWith("JITWorker")) threads.set(tid, statCpuMs(stat));
  }
  return threads;
}

/**
 * CPU ms the JIT's compiler threads spent since `before` (a jitThreads reading). Compiling is a
 * one-time start-up cost, so a scenario that measures steady-state CPU checks that this stays ~0.
 * Per thread, because JavaScriptCore ends idle compiler threads: a plain sum would then drop. A thread
 * that ended in between loses its last moments here (a low reading, never a high one).
 */
export function jitMsSince(pid: number, before: Map<string, number>): number {
  let ms = 0;
  for (const [tid, now] of jitThreads(pid)) ms += Math.max(0, now - (before.get(tid) ?? 0));
  return ms;
}

/** Busy CPU ms of the whole machine (all cores), from /proc/stat: shows load from other tenants. */
export function machineBusyMs(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0);
  return (busy * 1000) / CLK_TCK;
}

/**
 * Waits (bounded) until the machine is quiet: busy CPU of everything, measured over 1 s windows,
 * below `maxPercent` of one core. On a shared 2-core box other tenants' bursts otherwise decide p99.
 * Returns the last reading, so a run that started noisy anyway can be flagged.
 */
export async function waitForQuiet(maxPercent = 20, maxWaitMs = 30_000): Promise<number> {
  const end = Date.now() + maxWaitMs;
  for (;;) {
    const b0 = machineBusyMs();
    await Bun.sleep(1000);
    const percent = (machineBusyMs() - b0) / 10;
    if (percent <= maxPercent || Date.now() >= end) return percent;
  }
}
