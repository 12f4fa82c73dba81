/**
 * The measured unit shared by the fanout and cpu scenarios: one server with subscribers already on
 * channel "bench", one open-loop trigger run at a fixed rate, then a bounded drain until every
 * expected message has arrived (or arrivals stop).
 */
import { cpuMs, jitMsSince, jitThreads, machineBusyMs, waitForQuiet, type BenchServer } from "../lib/servers";
import { Histogram, nowMs } from "../lib/stats";
import { collect, runTriggers, type SubscriberWorker } from "../lib/workers";

export interface FanoutResult {
  rate: number;
  triggersOk: number;
  triggersFailed: number;
  expected: number;
  received: number;
  lost: number;
  deliveredPerSec: number;
  p50: number;
  p99: number;
  httpP99: number;
  serverCpuMs: number;
  /** Of serverCpuMs, what the JIT's compiler threads took (≈ 0 once warmed up). */
  jitMs: number;
  /** Server CPU µs per delivered message. */
  cpuUsPerMsg: number;
  /** Server CPU as % of one core over the run (send window + drain). */
  cpuPercent: number;
  /** CPU of all subscriber and trigger processes, as % of one core: above ~100% the 2 cores are saturated. */
  clientCpuPercent: number;
  /** Everything else busy on the machine (other tenants, kernel), as % of one core; 200% = both cores. */
  otherCpuPercent: number;
  /** Trigger sends that started > 5 ms late: a sign the load generator itself was starved. */
  late: number;
  minPerSocket: number;
}

export async function measureFanout(
  server: BenchServer,
  workers: SubscriberWorker[],
  subscribers: number,
  rate: number,
  durationMs: number,
  dataBytes = 100,
  quiet = true,
  /** Extra trigger worker settings (e.g. channelPrefix + channelCount); `subscribers` is then recipients per trigger. */
  triggerOptions: Record<string, unknown> = {},
): Promise<FanoutResult> {
  if (quiet) await waitForQuiet(20, 20_000);
  await Promise.all(workers.map((w) => w.reset()));
  const cpu0 = cpuMs(server.pid);
  const jit0 = jitThreads(server.pid);
  const busy0 = machineBusyMs();
  const wall0 = nowMs();
  const tr = await runTriggers(
    { url: server.url, path: server.triggerPath, ...server.app, mode: "rate", rate, durationMs, dataBytes, ...triggerOptions },
    durationMs + 30_000,
  );
  const expected = tr.ok * subscribers;
  // Drain: stop when all expected messages arrived, when nothing new arrived for 1 s, or after 10 s.
  let totals = await collect(workers);
  let lastCount = -1;
  let stableSince = nowMs();
  const drainEnd = nowMs() + 10_000;
  while (totals.received < expected && nowMs() < drainEnd && nowMs() - stableSince < 1_000) {
    await Bun.sleep(100);
    totals = await collect(workers);
    if (totals.received !== lastCount) {
      lastCount = totals.received;
      stableSince = nowMs();
    }
  }
  const serverCpuMs = cpuMs(server.pid) - cpu0;
  const wallMs = nowMs() - wall0;
  const busyMs = machineBusyMs() - busy0;
  const httpHist = new Histogram();
  httpHist.merge(tr.hist);
  const span = Math.max(1, totals.lastAt - tr.firstSentAt);
  return {
    rate,
    triggersOk: tr.ok,
    triggersFailed: tr.failed,
    expected,
    received: totals.received,
    lost: expected - totals.received,
    deliveredPerSec: (totals.received * 1000) / span,
    p50: totals.hist.percentile(50),
    p99: totals.hist.percentile(99),
    httpP99: httpHist.percentile(99),
    serverCpuMs,
    jitMs: jitMsSince(server.pid, jit0),
    cpuUsPerMsg: totals.received === 0 ? NaN : (serverCpuMs * 1000) / totals.received,
    cpuPercent: (serverCpuMs * 100) / wallMs,
    clientCpuPercent: ((totals.clientCpuMs + tr.clientCpuMs) * 100) / wallMs,
    otherCpuPercent: ((busyMs - serverCpuMs - totals.clientCpuMs - tr.clientCpuMs) * 100) / wallMs,
    late: tr.late,
    minPerSocket: totals.minPerSocket,
  };
}

/**
 * Warm-up until the server's JIT has finished: runs `round` (a burst of the scenario's own load)
 * until two rounds in a row add at most one clock tick (10 ms) of JIT-thread CPU, or `maxRounds`.
 * A fixed warm-up was not enough: JavaScriptCore gives a function its top tier only after some 10^5
 * calls, so at 1,000 triggers/s Mawjly's per-trigger functions were still being compiled 20 s into the
 * measurement (40–130 ms of JIT CPU per 5 s), which a long-running server pays once, not per
 * delivery. Answers the rounds run and the JIT CPU they took, which the scenarios print.
 */
export async function warmUntilCompiled(
  server: BenchServer,
  round: () => Promise<unknown>,
  maxRounds = 15,
): Promise<{ rounds: number; jitMs: number; settled: boolean }> {
  let quietRounds = 0;
  let rounds = 0;
  let jitMs = 0;
  while (rounds < maxRounds && quietRounds < 2) {
    const before = jitThreads(server.pid);
    await round();
    rounds++;
    const ms = jitMsSince(server.pid, before);
    jitMs += ms;
    quietRounds = ms <= 10 ? quietRounds + 1 : 0;
  }
  return { rounds, jitMs, settled: quietRounds >= 2 };
}

/** The run line of a warm-up: how many rounds of what, and the JIT CPU they took. */
export function warmUpLine(run: number, kind: string, what: string, warm: { rounds: number; jitMs: number; settled: boolean }): string {
  return `  run ${run} ${kind.padEnd(8)} warm-up: ${warm.rounds} × ${what}, JIT ${Math.round(warm.jitMs)} ms${warm.settled ? "" : " (still compiling)"}`;
}

/** Parses `--name value` / `--name=value` numeric options shared by all scenarios. */
export function numberOption(args: string[], name: string, fallback: number): number {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}`) return Number(args[i + 1]);
    if (args[i]!.startsWith(`--${name}=`)) return Number(args[i]!.slice(name.length + 3));
  }
  return fallback;
}

export function listOption(args: string[], name: string, fallback: number[]): number[] {
  for (let i = 0; i < args.length; i++) {
    const value = args[i] === `--${name}` ? args[i + 1] : args[i]!.startsWith(`--${name}=`) ? args[i]!.slice(name.length + 3) : undefined;
    if (value !== undefined) return value.split(",").map(Number);
  }
  return fallback;
}

/** Runs where other tenants used more than this (% of one core) are reported as noisy. */
export const NOISY_OTHER_PERCENT = 25;

/** Median over the quiet runs when there are at least 2 of them, else over all runs; and how many were used. */
export function quietMedian<T extends { otherCpuPercent: number }>(
  rows: T[],
  f: (r: T) => number,
  median: (xs: number[]) => number,
): { value: number; quiet: number } {
  const quiet = rows.filter((r) => r.otherCpuPercent <= NOISY_OTHER_PERCENT);
  return { value: median((quiet.length >= 2 ? quiet : rows).map(f)), quiet: quiet.length };
}
