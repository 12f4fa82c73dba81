/**
 * Parent-side handles for the load workers: subscriber processes driven over IPC, and trigger
 * processes that run once and print one JSON result line. Every wait is bounded.
 */
import { join } from "node:path";
import { Histogram } from "./stats";
import { BUN, ROOT, withFdLimit } from "./servers";

const SUBSCRIBERS = join(ROOT, "bench", "load-subscribers.ts");
const TRIGGERS = join(ROOT, "bench", "load-triggers.ts");

export interface SubscriberReport {
  received: number;
  firstAt: number;
  lastAt: number;
  min: number;
  max: number;
  unexpectedCloses: number;
  /** Worker CPU ms since the last reset. */
  cpu: number;
  hist: number[];
}

export class SubscriberWorker {
  private readonly inbox: any[] = [];
  private wake: (() => void) | undefined;
  readonly proc: ReturnType<typeof Bun.spawn>;

  constructor(config: Record<string, unknown>, nofile?: number) {
    let argv = [BUN, SUBSCRIBERS, JSON.stringify(config)];
    if (nofile !== undefined) argv = withFdLimit(argv, nofile);
    this.proc = Bun.spawn(argv, {
      stdout: "inherit",
      stderr: "inherit",
      ipc: (msg) => {
        this.inbox.push(msg);
        this.wake?.();
      },
    });
  }

  /** The next message of `type`, or an error after `ms`. */
  async next(type: string, ms = 30_000): Promise<any> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0];
      if (this.proc.exitCode !== null) throw new Error(`subscriber worker exited (${this.proc.exitCode}) before '${type}'`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`subscriber worker: no '${type}' within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Opens `sockets` more sockets; resolves with the worker's "ready" message. */
  async open(sockets: number): Promise<any> {
    this.proc.send({ cmd: "open", sockets });
    const ready = await this.next("ready", 120_000);
    if (ready.failed > 0) throw new Error(`${ready.failed} of ${sockets} sockets failed to subscribe`);
    return ready;
  }

  /** Closes and reopens random sockets, `rate` per second for `ms`; resolves when done. */
  async churn(rate: number, ms: number): Promise<number> {
    this.proc.send({ cmd: "churn", rate, ms });
    return (await this.next("churned", ms + 60_000)).done;
  }

  async reset(): Promise<void> {
    this.proc.send({ cmd: "reset" });
    await this.next("reset");
  }

  async report(): Promise<SubscriberReport> {
    this.proc.send({ cmd: "report" });
    return this.next("report");
  }

  async close(): Promise<void> {
    if (this.proc.exitCode === null) this.proc.send({ cmd: "close" });
    const timer = setTimeout(() => this.proc.exitCode === null && this.proc.kill("SIGKILL"), 5_000);
    await this.proc.exited;
    clearTimeout(timer);
  }
}

/** Starts `processes` workers sharing `sockets` sockets and waits until every one is subscribed. */
export async function startSubscribers(
  total: number,
  processes: number,
  config: Record<string, unknown>,
  nofile?: number,
): Promise<{ workers: SubscriberWorker[]; openMs: number }> {
  const workers: SubscriberWorker[] = [];
  // Per-socket channels (channelPrefix) must not collide across workers: give each a disjoint range.
  let offset = 0;
  const stride = Number(config.channelStride ?? 0);
  for (let p = 0; p < processes; p++) {
    const sockets = Math.floor(total / processes) + (p < total % processes ? 1 : 0);
    workers.push(new SubscriberWorker({ ...config, sockets, offset }, nofile));
    offset += stride > 0 ? stride : sockets;
  }
  let openMs = 0;
  try {
    for (const w of workers) {
      const ready = await w.next("ready", 120_000);
      if (ready.failed > 0) throw new Error(`${ready.failed} of ${ready.opened + ready.failed} sockets failed to subscribe`);
      openMs = Math.max(openMs, ready.ms);
    }
  } catch (err) {
    await Promise.all(workers.map((w) => w.close()));
    throw err;
  }
  return { workers, openMs };
}

/** Merged totals of all subscriber workers. */
export async function collect(workers: SubscriberWorker[]) {
  const reports = await Promise.all(workers.map((w) => w.report()));
  const hist = new Histogram();
  for (const r of reports) hist.merge(r.hist);
  return {
    received: reports.reduce((s, r) => s + r.received, 0),
    firstAt: Math.min(...reports.map((r) => r.firstAt || Infinity)),
    lastAt: Math.max(...reports.map((r) => r.lastAt)),
    minPerSocket: Math.min(...reports.map((r) => r.min)),
    maxPerSocket: Math.max(...reports.map((r) => r.max)),
    unexpectedCloses: reports.reduce((s, r) => s + r.unexpectedCloses, 0),
    clientCpuMs: reports.reduce((s, r) => s + r.cpu, 0),
    hist,
  };
}

export interface TriggerResult {
  sent: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  firstSentAt: number;
  lastSentAt: number;
  elapsedMs: number;
  /** Sends that started more than 5 ms after their schedule: the generator itself fell behind. */
  late: number;
  clientCpuMs: number;
  hist: number[];
}

/** Runs one trigger worker to completion and returns its result line. */
export async function runTriggers(config: Record<string, unknown>, timeoutMs: number): Promise<TriggerResult> {
  const proc = Bun.spawn([BUN, TRIGGERS, JSON.stringify(config)], { stdout: "pipe", stderr: "inherit" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const text = await new Response(proc.stdout).text();
  await proc.exited;
  clearTimeout(timer);
  const line = text.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`trigger worker failed (exit ${proc.exitCode}): ${text.slice(-500)}`);
  }
}
