/**
 * A cluster for tests: one real Redis (ours, or one the test passes in) and N real server processes
 * (`bun src/main.ts serve --redis-url URL`) sharing ONE data directory, as nodes on one host do.
 * Each node is a TestServer from ./server.ts, so every helper that takes a server takes a node.
 *
 *   const cluster = useCluster({ nodes: 3 });      // started in beforeAll, stopped in afterAll
 *   const app = cluster().createApp();
 *   await raw(cluster().nodes[2]!, app.key);
 */
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App } from "../../src/engine/app";
import { startRedis, type RedisHandle } from "./redis";
import { testDatabaseUrl } from "./store-mode";
import { startServer, waitUntilKnown, type TestServer } from "./server";

export interface ClusterOptions {
  /** Number of nodes; default 3. */
  nodes?: number;
  /** A Redis to use (then the cluster does not stop it); default: a new one, disposed by stop(). */
  redis?: RedisHandle;
  /** Extra environment for every node and every CLI command. */
  env?: Record<string, string>;
  /** Extra `serve` flags for every node. */
  args?: string[];
  /** Per node start timeout; default 30 s (N processes start on a shared, loaded CPU). */
  startTimeoutMs?: number;
}

export interface Cluster {
  readonly redis: RedisHandle;
  /** The data directory every node shares. */
  readonly dataDir: string;
  /** PostgreSQL mode (support/store-mode.ts): the database every node shares. */
  readonly databaseUrl?: string;
  /** The nodes, index = node number; restartNode(i) replaces entry i. */
  readonly nodes: TestServer[];
  /** Runs a CLI command against the shared data dir (needs no running node). */
  cli(args: string[]): { code: number; stdout: string; stderr: string };
  /** Creates an app through `mawjly apps create --json` in the shared data dir. */
  createApp(flags?: string[]): App;
  /** Starts one more node; it is appended to `nodes`. */
  addNode(): Promise<TestServer>;
  /** Starts node i again on the port it had (after stop() or kill()); replaces nodes[i]. */
  restartNode(i: number): Promise<TestServer>;
  /** SIGTERM every running node and wait; then the Redis (if ours) and the data dir. Exit codes by node. */
  stop(): Promise<(number | undefined)[]>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.nodes ?? 3;
  const ownRedis = options.redis === undefined;
  const redis = options.redis ?? (await startRedis());
  const dataDir = mkdtempSync(join(tmpdir(), "mawjly-cluster-"));
  // The env variable too, so a CLI command that tells the cluster about changes can reach it.
  const env: Record<string, string> = { MAWJLY_REDIS_URL: redis.url, ...options.env };
  // PostgreSQL mode (support/store-mode.ts): one database for every node, as on several hosts.
  const databaseUrl = await testDatabaseUrl(dataDir);
  if (databaseUrl !== undefined) env.MAWJLY_DATABASE_URL ??= databaseUrl;
  const nodes: TestServer[] = [];
  const startNode = (port?: number) =>
    startServer({
      dataDir,
      env,
      port,
      args: ["--redis-url", redis.url, ...(options.args ?? [])],
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
    });

  const stop = async () => {
    const codes = await Promise.all(nodes.map((n) => (n.running() ? n.stop() : undefined)));
    if (ownRedis) await redis.dispose();
    rmSync(dataDir, { recursive: true, force: true });
    return codes;
  };

  try {
    // The first node alone: it creates the database and runs the migrations the others then find done.
    nodes.push(await startNode());
    const rest = await Promise.allSettled(Array.from({ length: count - 1 }, () => startNode()));
    for (const r of rest) if (r.status === "fulfilled") nodes.push(r.value);
    const failed = rest.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  } catch (err) {
    await stop(); // no node, Redis or directory left behind a failed start
    throw err;
  }

  const cli = nodes[0]!.cli; // runs against dataDir with env; works while node 0 is down
  return {
    redis,
    dataDir,
    databaseUrl,
    nodes,
    cli,
    createApp(flags = []) {
      const r = cli(["apps", "create", "--name", "test app", "--json", ...flags]);
      if (r.code !== 0) throw new Error(`apps create failed: ${r.stderr}`);
      const app = JSON.parse(r.stdout) as App;
      // PostgreSQL mode: every running node polls the store; wait until each one knows the app.
      if (databaseUrl !== undefined) for (const node of nodes) if (node.running()) waitUntilKnown(node.url, app);
      return app;
    },
    async addNode() {
      const node = await startNode();
      nodes.push(node);
      return node;
    },
    async restartNode(i) {
      const old = nodes[i];
      if (!old) throw new Error(`no node ${i} (the cluster has ${nodes.length})`);
      if (old.running()) await old.stop();
      nodes[i] = await startNode(old.port);
      return nodes[i]!;
    },
    stop,
  };
}

/** Registers beforeAll/afterAll in the calling test file; the accessor is valid inside tests. */
export function useCluster(options: ClusterOptions = {}): () => Cluster {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster(options);
  }, (options.startTimeoutMs ?? 30_000) * 2);
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error("useCluster(): the cluster is started in beforeAll; read it inside a test");
    return cluster;
  };
}
