/**
 * A cluster for the benchmarks: one throw-away redis-server and N Mawjly nodes sharing one data dir
 * and one app, each started like startBenchServer starts one node. 127.0.0.1 only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpuMs, MAWJLY_CMD, ROOT, type BenchServer } from "./servers";

export interface BenchCluster {
  nodes: BenchServer[];
  redisPid: number;
  /** Commands Redis processed so far (INFO stats total_commands_processed). */
  redisCommands(): Promise<number>;
  /** CPU ms of every node and of Redis. */
  cpuMs(): number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms} ms`);
    await Bun.sleep(20);
  }
}

export async function startBenchCluster(nodes: number): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-bench-cluster-"));
  const redisPort = await freePort();
  const redis = Bun.spawn(["redis-server", "--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
    stdout: "ignore",
    stderr: "ignore",
  });
  const cli = (args: string[]) => Bun.spawnSync(["redis-cli", "-p", String(redisPort), ...args]).stdout.toString();
  await waitFor(() => cli(["ping"]).trim() === "PONG", 10_000, "redis-server start");
  const url = `redis://127.0.0.1:${redisPort}`;
  Bun.spawnSync([...MAWJLY_CMD, "migrate", "--data-dir", dir]);
  const created = Bun.spawnSync([...MAWJLY_CMD, "apps", "create", "--name", "bench", "--json", "--data-dir", dir]);
  if (created.exitCode !== 0) throw new Error(`apps create failed: ${created.stderr.toString()}`);
  const app = JSON.parse(created.stdout.toString());
  const started: BenchServer[] = [];
  const procs: ReturnType<typeof Bun.spawn>[] = [];
  for (let i = 0; i < nodes; i++) {
    const proc = Bun.spawn([...MAWJLY_CMD, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dir, "--redis-url", url, "--no-demo"], {
      stdout: "pipe",
      stderr: "pipe",
      cwd: ROOT,
    });
    procs.push(proc);
    let out = "";
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) out += decoder.decode(chunk);
    })();
    await waitFor(() => /listening on http:\/\/[^:]+:\d+/.test(out) || proc.exitCode !== null, 30_000, `node ${i} start`);
    const port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(out)?.[1]);
    if (!port) throw new Error(`node ${i} did not start:\n${out}`);
    started.push({
      kind: "mawjly",
      pid: proc.pid,
      port,
      url: `http://127.0.0.1:${port}`,
      wsUrl: `ws://127.0.0.1:${port}/app/${app.key}?protocol=7`,
      triggerPath: `/apps/${app.id}/events`,
      app,
      output: () => out,
      async stop() {
        if (proc.exitCode === null) proc.kill("SIGTERM");
        await proc.exited;
      },
    });
  }
  return {
    nodes: started,
    redisPid: redis.pid,
    async redisCommands() {
      const line = cli(["info", "stats"]).split("\n").find((l) => l.startsWith("total_commands_processed:"));
      return Number(line?.split(":")[1] ?? 0);
    },
    cpuMs: () => started.reduce((sum, n) => sum + cpuMs(n.pid), 0) + cpuMs(redis.pid),
    async stop() {
      await Promise.all(started.map((n) => n.stop()));
      redis.kill("SIGTERM");
      await redis.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
