/**
 * Starts the real server process (`bun src/main.ts serve`) on a free port with a temporary data
 * directory, and creates apps through the real CLI, as a user would. Every integration test uses it.
 *
 *   const server = useServer();          // in a test file: started in beforeAll, stopped in afterAll
 *   server().createApp();
 *
 * or `const s = await startServer(); … await s.stop();` for a server of one test.
 */
import { afterAll, afterEach, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App } from "../../src/engine/app";
import { closeSockets, disconnectClients } from "./clients";
import { signedQuery } from "../unit/signing";
import { testDatabaseUrl } from "./store-mode";

const ROOT = join(import.meta.dir, "..", "..");
export const BUN = process.execPath;
export const MAIN = join(ROOT, "src", "main.ts");

export interface TestServer {
  port: number;
  /** Process id of the server (for tests that signal it themselves). */
  pid: number;
  host: string;
  url: string;
  wsUrl: string;
  dataDir: string;
  /** Output the process printed so far (stdout and stderr). */
  output(): string;
  /** Runs a CLI command against this server's store (its data dir, or its PostgreSQL database). */
  cli(args: string[], stdin?: string): { code: number; stdout: string; stderr: string };
  /** Creates an app through `mawjly apps create --json`. */
  createApp(flags?: string[]): App;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
  /** SIGKILL (a crash: no graceful close) and wait for exit; returns the exit code. */
  kill(): Promise<number>;
  /** Whether the process has not exited yet. */
  running(): boolean;
}

export interface StartOptions {
  args?: string[];
  env?: Record<string, string>;
  /** Shared with other servers (cluster tests): then it is neither created nor deleted here. */
  dataDir?: string;
  /** Port to listen on; default 0 (any free port, read back from the listening line). */
  port?: number;
  /** How long to wait for the listening line; a cluster starting several nodes on a loaded CPU needs more. */
  startTimeoutMs?: number;
  /**
   * "sqlite": always the data directory, also under MAWJLY_TEST_STORE=postgres (tests of the data
   * directory itself). Default: the mode of the run (support/store-mode.ts).
   */
  store?: "sqlite";
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "mawjly-test-"));
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (options.store === "sqlite") delete env.MAWJLY_DATABASE_URL;
  else env.MAWJLY_DATABASE_URL ??= await testDatabaseUrl(dataDir);
  const proc = Bun.spawn(
    [BUN, MAIN, "serve", "--host", "127.0.0.1", "--port", String(options.port ?? 0), "--data-dir", dataDir, "--no-demo", ...(options.args ?? [])],
    { stdout: "pipe", stderr: "pipe", env },
  );
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) out += decoder.decode(chunk);
  };
  // The process can have exited before its last output was read: a failure waits for both pipes
  // to close, so that the error carries the whole message (a lost race here failed CI once).
  const drained = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  let port = 0;
  while (port === 0) {
    const match = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
    if (match) port = Number(match[1]);
    else if (proc.exitCode !== null || proc.signalCode !== null) {
      await drained;
      throw new Error(`server exited with ${proc.exitCode ?? proc.signalCode}:\n${out}`);
    } else if (Date.now() > deadline) {
      proc.kill("SIGKILL"); // not left running behind a failed test
      await drained;
      throw new Error(`server did not start within ${options.startTimeoutMs ?? 15_000} ms:\n${out}`);
    }
    else await Bun.sleep(20);
  }
  const cli = (args: string[], stdin?: string) => {
    const r = Bun.spawnSync([BUN, MAIN, ...args, "--data-dir", dataDir], { env, stdin: stdin === undefined ? undefined : Buffer.from(stdin) });
    return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    const code = await proc.exited;
    if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    return code;
  };
  return {
    port,
    pid: proc.pid,
    host: "127.0.0.1",
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    dataDir,
    output: () => out,
    cli,
    createApp(flags = []) {
      const r = cli(["apps", "create", "--name", "test app", "--json", ...flags]);
      if (r.code !== 0) throw new Error(`apps create failed: ${r.stderr}`);
      const app = JSON.parse(r.stdout) as App;
      if (env.MAWJLY_DATABASE_URL !== undefined) waitUntilKnown(`http://127.0.0.1:${port}`, app);
      return app;
    },
    stop,
    kill: () => stop("SIGKILL"),
    running: () => proc.exitCode === null && proc.signalCode === null,
  };
}

/**
 * With PostgreSQL a server learns of an app created by another process (the CLI) at its next poll of
 * the store, within 250 ms (SQLite mode looks a missing key up in the local file at once). Tests create
 * an app and connect at once, so createApp waits here until the server knows it: an HTTP API call
 * stops answering 404. Synchronous (curl), because createApp is.
 */
export function waitUntilKnown(baseUrl: string, app: App, timeoutMs = 5000): void {
  const path = `/apps/${app.id}/channels`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // A wrong signature: 401 once the app is known, 404 before. Refused before the app's rate limit and
    // quotas count it, so the probe leaves the test's figures alone (only /metrics sees it).
    const query = signedQuery({ key: app.key, secret: `not-${app.secret}`, method: "GET", path });
    const r = Bun.spawnSync(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", `${baseUrl}${path}?${query}`]);
    if (r.stdout.toString() !== "404") return;
    Bun.sleepSync(20);
  }
  throw new Error(`the server at ${baseUrl} did not learn of app ${app.id} within ${timeoutMs} ms`);
}

export interface UseServerOptions extends StartOptions {
  /**
   * Runs after every test, and once more before the server stops (e.g. a helper module's cleanup()
   * closing the clients it made). Tracked pusher-js clients and raw sockets of ./clients are always
   * closed before the server stops.
   */
  cleanup?: () => void | Promise<void>;
  /** The exit code the server must stop with; default 0 (a clean SIGTERM shutdown). null: not checked. */
  exitCode?: number | null;
}

/**
 * Registers beforeAll/afterAll (and afterEach for `cleanup`) in the calling test file or describe
 * block: one server for them, stopped even when tests fail, its exit code checked. Options may be a
 * function, evaluated in beforeAll, for a data dir an earlier beforeAll prepares. Returns an accessor,
 * since the server exists only once beforeAll has run; it stays readable after the stop (output()).
 */
export function useServer(options: UseServerOptions | (() => UseServerOptions) = {}): () => TestServer {
  let server: TestServer | undefined;
  let resolved: UseServerOptions = {};
  const startTimeoutMs = typeof options === "function" ? undefined : options.startTimeoutMs;
  beforeAll(async () => {
    resolved = typeof options === "function" ? options() : options;
    server = await startServer(resolved);
  }, (startTimeoutMs ?? 15_000) + 5_000);
  afterEach(async () => {
    await resolved.cleanup?.();
  });
  afterAll(async () => {
    if (!server) return;
    try {
      await resolved.cleanup?.();
      disconnectClients();
      closeSockets();
    } finally {
      const code = await server.stop();
      const expected = resolved.exitCode === undefined ? 0 : resolved.exitCode;
      if (expected !== null && code !== expected) {
        throw new Error(`the server exited with ${code}, expected ${expected}; it printed:\n${server.output()}`);
      }
    }
  });
  return () => {
    if (!server) throw new Error("useServer(): the server is started in beforeAll; read it inside a test or a later hook");
    return server;
  };
}
