/**
 * `mawjly serve` as a user starts it: bad flags and busy ports end with one line, the first start on an
 * empty data directory prints a demo app and a pusher-js snippet (only once), and SIGTERM stops
 * gracefully with 4200 to connected clients.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App } from "../../src/engine/app";
import { RawSocket } from "../support/clients";
import { BUN, MAIN } from "../support/server";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-serve-"));
  dirs.push(dir);
  return dir;
}

function cleanEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, ...extra };
  for (const name of ["MAWJLY_DATA_DIR", "MAWJLY_PORT", "MAWJLY_DEMO", "MAWJLY_HOST"]) if (!(name in extra)) delete env[name];
  return env;
}

/** Runs a command to completion. */
async function run(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn([BUN, MAIN, ...args], { env: cleanEnv(env), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Starts `mawjly serve --host 127.0.0.1 --port 0 ARGS`; resolves once it listens and answers /health. */
async function serve(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn([BUN, MAIN, "serve", "--host", "127.0.0.1", "--port", "0", ...args], {
    env: cleanEnv(env),
    stdout: "pipe",
    stderr: "pipe",
  });
  let stdout = "";
  let stderr = "";
  void new Response(proc.stderr).text().then((t) => (stderr = t));
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let port = 0;
  while (port === 0) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve exited (${await proc.exited}) before listening:\n${stdout}\n${stderr}`);
    stdout += decoder.decode(value);
    const match = /listening on http:\/\/[^:]+:(\d+)/.exec(stdout);
    if (match) port = Number(match[1]);
  }
  // One request answered means start-up has finished, signal handlers included (see "stopping").
  expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stdout += decoder.decode(value);
    }
  })();
  return {
    port,
    stdout: () => stdout,
    async stop() {
      proc.kill("SIGTERM");
      const code = await proc.exited;
      await rest;
      return code;
    },
  };
}

describe.concurrent("bad start-up input", () => {
  test("--port abc: exit 2, one clear line", async () => {
    expect(await run(["serve", "--port", "abc", "--data-dir", tempDir()])).toEqual({
      code: 2,
      stdout: "",
      stderr: "mawjly: serve: Invalid value for --port: 'abc' is not a whole number\n",
    });
  });

  test("MAWJLY_PORT=abc: exit 2, the line names the variable", async () => {
    expect(await run(["serve", "--data-dir", tempDir()], { MAWJLY_PORT: "abc" })).toEqual({
      code: 2,
      stdout: "",
      stderr: "mawjly: serve: Invalid value for MAWJLY_PORT: 'abc' is not a whole number\n",
    });
  });

  test("--port 70000: exit 2, one line naming the port and its limit", async () => {
    const r = await run(["serve", "--port", "70000", "--data-dir", tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^mawjly: serve: .*port.*65535[^\n]*\n$/);
  });

  test("an unknown flag: exit 2, one line, no stack trace", async () => {
    expect(await run(["serve", "--bogus"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "mawjly: serve: unknown option '--bogus' (see 'mawjly serve --help')\n",
    });
  });

  test("an unexpected argument: exit 2", async () => {
    expect(await run(["serve", "now", "--data-dir", tempDir()])).toEqual({
      code: 2,
      stdout: "",
      stderr: "mawjly: serve: unexpected argument 'now'\n",
    });
  });

  test("port already in use: exit 1 with a clear line", async () => {
    const blocker = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      expect(
        await run(["serve", "--host", "127.0.0.1", "--port", String(blocker.port), "--no-demo", "--data-dir", tempDir()]),
      ).toEqual({
        code: 1,
        stdout: "",
        stderr: `mawjly: port already in use: 127.0.0.1:${blocker.port}; choose another with --port P or MAWJLY_PORT\n`,
      });
    } finally {
      blocker.stop(true);
    }
  });

  // Bun reports these as EADDRINUSE too: they must not read "port already in use".
  test("a host this machine cannot listen on: exit 1, one line naming the host and the flag", async () => {
    for (const [host, problem] of [
      ["192.0.2.1", "not an address of this machine"], // TEST-NET-1: never assigned to a machine
      ["999.1.1.1", "not an IP address"],
    ]) {
      expect(await run(["serve", "--host", host!, "--port", "0", "--no-demo", "--data-dir", tempDir()])).toEqual({
        code: 1,
        stdout: "",
        stderr: `mawjly: cannot listen on ${host}: ${problem}; choose another with --host H or MAWJLY_HOST\n`,
      });
    }
  });
});

describe.concurrent("first start", () => {
  test("an empty data dir without --no-demo creates one demo app and prints it with a pusher-js snippet", async () => {
    const dir = tempDir();
    const first = await serve(["--data-dir", dir]);
    let demo: App;
    try {
      const out = first.stdout();
      expect(out).toContain("mawjly: created a demo app (first start with an empty data directory)");
      const field = (name: string) => new RegExp(`^  ${name} +(\\S+)$`, "m").exec(out)?.[1];
      const [id, key, secret] = [field("app_id"), field("key"), field("secret")];
      expect(id).toMatch(/^\d{7}$/);
      expect(key).toMatch(/^[0-9a-f]{40}$/);
      expect(secret).toMatch(/^[0-9a-f]{40}$/);
      expect(out).toContain(`new Pusher("${key}", {`);
      expect(out).toContain(`wsHost: "127.0.0.1",`);
      expect(out).toContain(`wsPort: ${first.port},`);
      expect(out).toContain("forceTLS: false,");
      expect(out).toContain(`enabledTransports: ["ws", "wss"],`);
      expect(out).toContain(`appId: "${id}", key: "${key}", secret: "${secret}"`);
      // Both snippets are ES modules that run as pasted.
      expect(out).toContain(`    import Pusher from "pusher-js";\n`);
      expect(out).toContain(`    import Pusher from "pusher";\n`);
      // The hint names the data directory this server uses, so it works from any directory.
      expect(out).toContain(`or from a shell: npx mawjly accounts create --email you@example.com --admin --password-stdin --data-dir ${dir}\n`);

      const apps = JSON.parse((await run(["apps", "list", "--json", "--data-dir", dir])).stdout) as App[];
      expect(apps.map((a) => [a.id, a.key, a.secret])).toEqual([[id!, key!, secret!]]);
      demo = apps[0]!;

      // The printed key works at once.
      const socket = new RawSocket(`ws://127.0.0.1:${first.port}/app/${key}?protocol=7`);
      expect((await socket.next((f) => f.event.startsWith("pusher:"))).event).toBe("pusher:connection_established");
      socket.close();
    } finally {
      expect(await first.stop()).toBe(0);
    }

    // Second start on the same directory, found through MAWJLY_DATA_DIR this time: no new demo app.
    const second = await serve([], { MAWJLY_DATA_DIR: dir });
    try {
      expect(second.stdout()).not.toContain("demo app");
      const apps = JSON.parse((await run(["apps", "list", "--json", "--data-dir", dir])).stdout) as App[];
      expect(apps).toEqual([demo]);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  test("--no-demo starts with no apps", async () => {
    const dir = tempDir();
    const server = await serve(["--data-dir", dir, "--no-demo"]);
    try {
      expect(server.stdout()).not.toContain("demo app");
      expect(JSON.parse((await run(["apps", "list", "--json", "--data-dir", dir])).stdout)).toEqual([]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("MAWJLY_DEMO=0 also disables the demo app", async () => {
    const dir = tempDir();
    const server = await serve(["--data-dir", dir], { MAWJLY_DEMO: "0" });
    try {
      expect(server.stdout()).not.toContain("demo app");
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe.concurrent("stopping", () => {
  test("SIGTERM right after the 'listening' line still stops gracefully (exit 0)", async () => {
    // The line tells scripts and supervisors the server is up; a SIGTERM sent on seeing it must not
    // kill the process outright (143), which happens when the handlers are installed only afterwards.
    // Six at once: a busy machine widens the window, so the race shows up reliably.
    const once = async () => {
      const proc = Bun.spawn([BUN, MAIN, "serve", "--host", "127.0.0.1", "--port", "0", "--no-demo", "--data-dir", tempDir()], {
        env: cleanEnv(),
        stdout: "pipe",
        stderr: "pipe",
      });
      const reader = proc.stdout.getReader();
      let out = "";
      while (!out.includes("listening on")) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      proc.kill("SIGTERM");
      return proc.exited;
    };
    const codes = await Promise.all(Array.from({ length: 6 }, once));
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
  });


  test("SIGTERM: connected clients get 4200, the process says so and exits 0", async () => {
    const dir = tempDir();
    const server = await serve(["--data-dir", dir, "--no-demo"]);
    const app = JSON.parse((await run(["apps", "create", "--name", "s", "--json", "--data-dir", dir])).stdout) as App;
    const socket = new RawSocket(`ws://127.0.0.1:${server.port}/app/${app.key}?protocol=7`);
    await socket.next((f) => f.event === "pusher:connection_established");
    const closed = socket.closed();
    expect(await server.stop()).toBe(0);
    expect(await closed).toEqual({ code: 4200, reason: "Server is restarting, reconnect" });
    expect(server.stdout()).toContain("mawjly: SIGTERM received, closing connections (4200) and stopping");
  });
});
