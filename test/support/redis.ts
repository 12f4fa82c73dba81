/**
 * A real, throw-away `redis-server` for tests: loopback only, no persistence, its own temp dir, on a
 * free port. Readiness is a PING answered by *this* process (INFO's process_id), never a fixed sleep,
 * because a port freed by `freePort()` can be taken by another test's Redis before ours binds it.
 *
 *   const redis = useRedis();            // in a test file: starts in beforeAll, disposed in afterAll
 *   new IORedis(redis().url);
 *
 * or `const r = await startRedis(); … await r.dispose();` outside bun:test (benchmarks).
 */
import { afterAll, beforeAll } from "bun:test";
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Override with REDIS_SERVER=/path/to/redis-server. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";

export interface RedisHandle {
  /** `redis://127.0.0.1:PORT` (database 0); stays the same across restart(). */
  readonly url: string;
  readonly port: number;
  /** Working directory of the server (deleted by dispose()). */
  readonly dir: string;
  /** Process id of the current redis-server, or undefined while it is stopped. */
  pid(): number | undefined;
  running(): boolean;
  /** What redis-server printed, over every start. */
  output(): string;
  /** SIGTERM (no data is saved) and wait for the process to exit. */
  stop(): Promise<void>;
  /**
   * stop(), then start again on the SAME port and wait until it answers. Data is gone. If another
   * process holds the port, retries until `timeoutMs` (default: the start timeout), then PortInUseError.
   */
  restart(options?: { timeoutMs?: number }): Promise<void>;
  /** SIGKILL (a crash) and wait for exit; the port is free afterwards. */
  kill(): Promise<void>;
  /** Stop (if running) and delete the directory. Safe to call twice. */
  dispose(): Promise<void>;
}

export interface StartRedisOptions {
  /** How long one start may take until PING answers; default 10 s (a loaded CPU is slow to exec). */
  timeoutMs?: number;
  /** Attempts with a new port when redis cannot bind the one picked; default 5. */
  attempts?: number;
  /** Port picker; default `freePort`. Tests of the retry inject one that returns a busy port first. */
  pickPort?: () => Promise<number>;
}

/** Error when redis-server could not listen on its port (someone else holds it). */
export class PortInUseError extends Error {
  override name = "PortInUseError";
}

/** A port the OS reports free on 127.0.0.1 (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Sends PING and INFO server over a raw TCP connection; resolves to redis' process_id when it answered
 * PONG, or undefined when nothing (or something that is not Redis) answers.
 */
export function probe(port: number, timeoutMs = 1000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    let settled = false;
    const done = (pid: number | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on("connect", () => socket.write("PING\r\nINFO server\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (!"+PONG".startsWith(reply.slice(0, 5))) return done(undefined); // -LOADING, or not Redis
      const match = /\r\nprocess_id:(\d+)\r\n/.exec(reply);
      if (match) done(Number(match[1]));
    });
    socket.on("error", () => done(undefined));
    socket.on("close", () => done(undefined));
  });
}

// Every redis-server started here, so that a test run that dies early does not leave them behind.
const live = new Set<Subprocess>();
const dirs = new Set<string>();
process.on("exit", () => {
  for (const proc of live) proc.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const exited = (proc: Subprocess) => proc.exitCode !== null || proc.signalCode !== null;

/** Starts redis-server on `port` and resolves once it answers; PortInUseError if it could not bind. */
async function launch(port: number, dir: string, timeoutMs: number, log: (s: string) => void): Promise<Subprocess> {
  const proc = Bun.spawn(
    [REDIS_SERVER, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
      "--dir", dir, "--daemonize", "no", "--logfile", "", "--loglevel", "notice"],
    { stdout: "pipe", stderr: "pipe" },
  );
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const text = decoder.decode(chunk);
      out += text;
      log(text);
    }
  };
  const pumped = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
  const deadline = Date.now() + timeoutMs;
  let timedOut = false;
  for (;;) {
    if (exited(proc)) break;
    // Another process answering on our port means ours failed to bind and is about to exit.
    if ((await probe(port)) === proc.pid) return proc;
    if (Date.now() > deadline) {
      timedOut = true;
      proc.kill("SIGKILL");
      break;
    }
    await Bun.sleep(20);
  }
  await proc.exited;
  await pumped; // the reason is in the last lines
  if (/address already in use/i.test(out)) throw new PortInUseError(`redis-server could not listen on port ${port}: in use`);
  if (timedOut) throw new Error(`redis-server did not answer PING on port ${port} within ${timeoutMs} ms:\n${out}`);
  throw new Error(`redis-server exited with ${proc.exitCode ?? proc.signalCode}:\n${out}`);
}

async function terminate(proc: Subprocess, signal: NodeJS.Signals): Promise<void> {
  if (!exited(proc)) proc.kill(signal);
  // redis exits on SIGTERM at once when it has nothing to save; SIGKILL only if it hangs.
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  await proc.exited;
  clearTimeout(timer);
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisHandle> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const attempts = options.attempts ?? 5;
  const pickPort = options.pickPort ?? freePort;
  const dir = mkdtempSync(join(tmpdir(), "mawjly-redis-"));
  dirs.add(dir);
  let out = "";
  const log = (s: string) => void (out += s);

  let proc: Subprocess | undefined;
  let port = 0;
  for (let attempt = 1; proc === undefined; attempt++) {
    port = await pickPort();
    try {
      proc = await launch(port, dir, timeoutMs, log);
    } catch (err) {
      if (!(err instanceof PortInUseError) || attempt >= attempts) {
        rmSync(dir, { recursive: true, force: true });
        dirs.delete(dir);
        throw err;
      }
    }
  }

  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (proc) await terminate(proc, signal);
    proc = undefined;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => proc?.pid,
    running: () => proc !== undefined && !exited(proc),
    output: () => out,
    stop: () => stop("SIGTERM"),
    kill: () => stop("SIGKILL"),
    async restart(restartOptions = {}) {
      await stop("SIGTERM");
      // The port should be free at once; if another process grabbed it meanwhile, wait for it to go
      // (up to restartOptions.timeoutMs), then give up with PortInUseError.
      const deadline = Date.now() + (restartOptions.timeoutMs ?? timeoutMs);
      for (;;) {
        try {
          proc = await launch(port, dir, timeoutMs, log);
          return;
        } catch (err) {
          if (!(err instanceof PortInUseError) || Date.now() > deadline) throw err;
          await Bun.sleep(50);
        }
      }
    },
    async dispose() {
      await stop("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}

/**
 * Registers beforeAll/afterAll in the calling test file: one Redis for the file, disposed even when
 * tests fail. Returns an accessor, since the handle exists only once beforeAll has run.
 */
export function useRedis(options: StartRedisOptions = {}): () => RedisHandle {
  let handle: RedisHandle | undefined;
  beforeAll(async () => {
    handle = await startRedis(options);
  });
  afterAll(async () => {
    await handle?.dispose();
  });
  return () => {
    if (!handle) throw new Error("useRedis(): the Redis is started in beforeAll; read it inside a test");
    return handle;
  };
}
