/**
 * Processes of the webhook benchmark: the server (webhooks off, or one endpoint per app — single or
 * batching — pointing at the receiver), the receiver, and the churn worker. The app and its endpoint
 * are created through the real CLI before the server starts, as an operator would: in the data
 * directory's SQLite file, or with a database URL in that PostgreSQL database (bench/scenarios/store.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUN, cpuMs, MAWJLY_CMD, ROOT, withFdLimit, type BenchServer } from "../lib/servers";
import { Histogram } from "../lib/stats";

export type WebhookMode = "off" | "single" | "batch";

const HERE = import.meta.dir;

/** Runs the CLI on the data directory, or on the PostgreSQL database of `databaseUrl` when given. */
export function cli(dataDir: string, args: string[], databaseUrl?: string): string {
  const where = databaseUrl === undefined ? ["--data-dir", dataDir] : ["--database-url", databaseUrl];
  const r = Bun.spawnSync([...MAWJLY_CMD, ...args, ...where]);
  if (r.exitCode !== 0) throw new Error(`mawjly ${args.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** Servers still running, so that an interrupted benchmark can stop them (stopWebhookServers). */
const live = new Set<BenchServer>();

export async function stopWebhookServers(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
}

/** Every bench app signs with this secret, so one receiver process can check all of them. */
export const BENCH_SECRET = "bench-webhooks-secret-127.0.0.1-only";

/**
 * `prepare` runs after the app and endpoint exist and before the server starts. With `databaseUrl`
 * (an empty database) everything is stored there and the server runs with `--database-url`.
 */
export async function startServerWith(
  mode: WebhookMode,
  receiverUrl: string,
  prepare?: (dataDir: string, appId: string) => void | Promise<void>,
  databaseUrl?: string,
): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `mawjly-bench-webhooks-${mode}-`));
  let app: { id: string; key: string; secret: string };
  try {
    cli(dataDir, ["migrate"], databaseUrl); // apps create never creates a database
    app = JSON.parse(cli(dataDir, ["apps", "create", "--name", "bench", "--json", "--secret", BENCH_SECRET, "--max-presence-members", "1000"], databaseUrl));
    if (mode !== "off") cli(dataDir, ["webhooks", "add", "--app", app.id, "--url", receiverUrl, ...(mode === "batch" ? ["--batch"] : [])], databaseUrl);
    await prepare?.(dataDir, app.id);
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const store = databaseUrl === undefined ? [] : ["--database-url", databaseUrl];
  const argv = withFdLimit([...MAWJLY_CMD, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir, ...store, "--no-demo"], 20_000);
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", cwd: ROOT });
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) out += new TextDecoder().decode(chunk);
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const deadline = Date.now() + 15_000;
  let port = 0;
  while (port === 0) {
    const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
    if (m) port = Number(m[1]);
    else if (proc.exitCode !== null || Date.now() > deadline) {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await proc.exited;
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`server did not start:\n${out}`);
    } else await Bun.sleep(20);
  }
  const server: BenchServer = {
    kind: "mawjly",
    pid: proc.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/app/${app.key}?protocol=7`,
    triggerPath: `/apps/${app.id}/events`,
    app: { id: app.id, key: app.key, secret: app.secret },
    output: () => out,
    async stop() {
      live.delete(server);
      if (proc.exitCode === null) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.exitCode === null && proc.kill("SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  live.add(server);
  return server;
}

export interface ReceiverReport {
  counts: Record<string, number>;
  requests: number;
  invalid: number;
  firstAt: number;
  lastAt: number;
  cpuMs: number;
  /** arrival − time_ms of requests led by an immediate event (joins). */
  lag: Histogram;
  /** The same for requests led by a held removal: time_ms is the end of its 3 s window. */
  heldLag: Histogram;
}

/** The receiver process; the secret is set per server with setSecret (it is only known after the app exists). */
export class ReceiverProc {
  private inbox: any[] = [];
  private proc: ReturnType<typeof Bun.spawn> | undefined;
  url = "";

  async start(secret: string): Promise<void> {
    await this.stop();
    this.inbox = [];
    this.proc = Bun.spawn([BUN, join(HERE, "receiver.ts"), JSON.stringify({ secret })], {
      stdout: "inherit",
      stderr: "inherit",
      ipc: (msg) => this.inbox.push(msg),
    });
    const ready = await this.next("ready");
    this.url = `http://127.0.0.1:${ready.port}/webhooks`;
  }

  async report(): Promise<ReceiverReport> {
    this.proc!.send({ cmd: "report" });
    const r = await this.next("report");
    const lag = new Histogram();
    lag.merge(r.lag);
    const heldLag = new Histogram();
    heldLag.merge(r.heldLag);
    return { ...r, lag, heldLag };
  }

  async stop(): Promise<void> {
    if (this.proc === undefined) return;
    this.proc.kill();
    await this.proc.exited;
    this.proc = undefined;
  }

  private async next(type: string, ms = 10_000): Promise<any> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0];
      if (Date.now() > deadline) throw new Error(`receiver: no '${type}' within ${ms} ms`);
      await Bun.sleep(10);
    }
  }
}

export interface ChurnResult {
  joins: number;
  leaves: number;
  acked: number;
  errors: number;
  late: number;
  /** Until the last join; elapsedMs also covers the leaves that follow. */
  joinMs: number;
  elapsedMs: number;
  cpuMs: number;
}

/** Runs the churn worker to completion. */
export async function runChurn(server: BenchServer, rate: number, durationMs: number): Promise<ChurnResult> {
  const config = { url: server.wsUrl, key: server.app.key, secret: server.app.secret, rate, durationMs };
  const proc = Bun.spawn([BUN, join(HERE, "churn.ts"), JSON.stringify(config)], { stdout: "pipe", stderr: "inherit" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), durationMs + 60_000);
  const text = await new Response(proc.stdout).text();
  await proc.exited;
  clearTimeout(timer);
  try {
    return JSON.parse(text.trim().split("\n").pop() ?? "");
  } catch {
    throw new Error(`churn worker failed (exit ${proc.exitCode}): ${text.slice(-500)}`);
  }
}

export { cpuMs };
