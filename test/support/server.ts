/**
 * Starts the real server process (`bun src/main.ts serve`) on a free port with a temporary data
 * directory, and creates apps through the real CLI, as a user would. Every integration test uses it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App } from "../../src/engine/app";

const ROOT = join(import.meta.dir, "..", "..");
export const BUN = process.execPath;
export const MAIN = join(ROOT, "src", "main.ts");

export interface TestServer {
  pid: number;
  port: number;
  host: string;
  url: string;
  wsUrl: string;
  dataDir: string;
  /** Output the process printed so far (stdout and stderr). */
  output(): string;
  /** Runs a CLI command against this server's data dir. */
  cli(args: string[]): { code: number; stdout: string; stderr: string };
  /** Creates an app through `mawjly apps create --json`. */
  createApp(flags?: string[]): App;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export interface StartOptions {
  args?: string[];
  env?: Record<string, string>;
  dataDir?: string;
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "mawjly-test-"));
  const proc = Bun.spawn(
    [BUN, MAIN, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir, "--no-demo", ...(options.args ?? [])],
    { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...options.env } },
  );
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
    else if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${out}`);
    else if (Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    else await Bun.sleep(20);
  }
  const cli = (args: string[]) => {
    const r = Bun.spawnSync([BUN, MAIN, ...args, "--data-dir", dataDir], { env: { ...process.env, ...options.env } });
    return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  return {
    pid: proc.pid,
    port,
    host: "127.0.0.1",
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    dataDir,
    output: () => out,
    cli,
    createApp(flags = []) {
      const r = cli(["apps", "create", "--name", "test app", "--json", ...flags]);
      if (r.code !== 0) throw new Error(`apps create failed: ${r.stderr}`);
      return JSON.parse(r.stdout) as App;
    },
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null) proc.kill(signal);
      const code = await proc.exited;
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
