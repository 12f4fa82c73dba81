/**
 * One server per port and per data directory. A second `mawjly serve` on a busy port, or on a data
 * directory another server uses, is refused with one line and exit 1 (Bun would otherwise share the
 * port, and two servers on one database would deliver every webhook twice). The lock dies with its
 * process, SIGKILL included; the management commands keep working while a server runs.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App } from "../../src/engine/app";
import { BUN, MAIN, startServer } from "../support/server";

// The data directory's lock is SQLite's: these servers use the data directory in both test modes.
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-lock-"));
  dirs.push(dir);
  return dir;
}

/**
 * Starts a second `mawjly serve` and waits for it to exit. Should it start listening instead (the
 * bug), it is stopped and reported, so the test fails at once instead of hanging.
 */
async function secondServe(args: string[]) {
  const proc = Bun.spawn([BUN, MAIN, "serve", "--host", "127.0.0.1", "--no-demo", ...args], { stdout: "pipe", stderr: "pipe" });
  let stdout = "";
  const reader = proc.stdout.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    stdout += new TextDecoder().decode(value);
    if (stdout.includes("listening on")) {
      proc.kill("SIGKILL");
      break;
    }
  }
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

describe.concurrent("a second server", () => {
  test("on a busy port: refused with host:port and how to choose another, exit 1", async () => {
    const first = await startServer();
    try {
      const r = await secondServe(["--port", String(first.port), "--data-dir", tempDir()]);
      expect(r).toEqual({
        code: 1,
        stdout: "",
        stderr: `mawjly: port already in use: 127.0.0.1:${first.port}; choose another with --port P or MAWJLY_PORT\n`,
      });
    } finally {
      await first.stop();
    }
  });

  test("on the same data directory: refused with the dir and the holder's pid; CLI commands still work", async () => {
    const dir = tempDir();
    const first = await startServer({ dataDir: dir, store: "sqlite" });
    try {
      const r = await secondServe(["--port", "0", "--data-dir", dir]);
      expect(r).toEqual({
        code: 1,
        stdout: "",
        stderr: `mawjly: another mawjly server (pid ${first.pid}) is already using the data directory ${dir}; stop it first, or give this one its own --data-dir\n`,
      });
      const app = first.createApp(["--id", "while-running"]);
      expect(JSON.parse(first.cli(["apps", "list", "--json"]).stdout).map((a: App) => a.id)).toEqual([app.id]);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    // A graceful stop released it too.
    const next = await startServer({ dataDir: dir, store: "sqlite" });
    expect(await next.stop()).toBe(0);
  });

  test("after the first is SIGKILLed, a new server starts on the same directory and keeps the data", async () => {
    const dir = tempDir();
    const first = await startServer({ dataDir: dir, store: "sqlite" });
    first.createApp(["--id", "survivor"]);
    expect(await first.stop("SIGKILL")).toBe(137);
    const second = await startServer({ dataDir: dir, store: "sqlite" });
    try {
      expect(JSON.parse(second.cli(["apps", "list", "--json"]).stdout).map((a: App) => a.id)).toEqual(["survivor"]);
      const third = await secondServe(["--port", "0", "--data-dir", dir]);
      expect(third.stderr).toContain(`(pid ${second.pid}) is already using the data directory ${dir}`);
    } finally {
      await second.stop();
    }
  });
});
