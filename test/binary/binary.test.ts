// The compiled executable, alone in an empty directory with an empty environment: proves it needs
// nothing beside it (migrations and assets embedded, no node_modules, no PATH, no HOME).
//
// Uses dist/mawjly, rebuilt (host only) when any source is newer. MAWJLY_TEST_BINARY=path tests another
// binary instead (e.g. a downloaded release).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "../..");
const dist = join(repo, "dist/mawjly");
const pkg = await Bun.file(join(repo, "package.json")).json();

let dir: string; // the empty directory the binary runs in (its cwd)
let bin: string;

// Newest mtime of everything that goes into the binary.
function newestSource(): number {
  let newest = statSync(join(repo, "package.json")).mtimeMs;
  for (const base of ["src", "migrations"]) {
    if (!existsSync(join(repo, base))) continue;
    for (const file of new Bun.Glob("**/*").scanSync({ cwd: join(repo, base) })) {
      newest = Math.max(newest, statSync(join(repo, base, file)).mtimeMs);
    }
  }
  return newest;
}

function run(args: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync([bin, ...args], { cwd: dir, env, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

beforeAll(async () => {
  let source = process.env.MAWJLY_TEST_BINARY;
  if (!source) {
    if (!existsSync(dist) || statSync(dist).mtimeMs < newestSource()) {
      const build = Bun.spawnSync([process.execPath, join(repo, "scripts/build.ts"), "--host-only"], { cwd: repo });
      if (build.exitCode !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
    }
    source = dist;
  }
  dir = await mkdtemp(join(tmpdir(), "mawjly-binary-test-"));
  bin = join(dir, "mawjly");
  await copyFile(source, bin);
  Bun.spawnSync(["chmod", "755", bin]);
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("compiled binary", () => {
  test("`version` prints the package version, commit and build date", () => {
    const r = run(["version"]);
    expect(r.code, r.stderr).toBe(0);
    const escaped = pkg.version.replaceAll(".", "\\.");
    expect(r.stdout.trim()).toMatch(new RegExp(`^mawjly ${escaped} \\(commit (?:[0-9a-f]+|unknown), built \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)$`));
    // The build passes the defines: a compiled binary never reports the development fallbacks.
    expect(r.stdout).not.toContain("commit dev");
  });

  test("ignores a bunfig.toml in its working directory", async () => {
    // Without --no-compile-autoload-bunfig, this would run preload.js inside the binary.
    await writeFile(join(dir, "bunfig.toml"), 'preload = ["./preload.js"]\n');
    await writeFile(join(dir, "preload.js"), 'console.log("PRELOADED");\n');
    try {
      const r = run(["version"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain("PRELOADED");
    } finally {
      await rm(join(dir, "bunfig.toml"));
      await rm(join(dir, "preload.js"));
    }
  });

  test("`--help` lists the commands", () => {
    const r = run(["--help"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("serve");
    expect(r.stdout).toContain("apps");
  });

  test("an unknown command fails with a one-line error", () => {
    const r = run(["no-such-command"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  let app: { id: string; key: string; secret: string };

  test("`apps create --json` prints the new app", () => {
    // ./data relative to the cwd is also serve's default data dir, used below. Only serve and migrate
    // create a database.
    expect(run(["migrate", "--data-dir", join(dir, "data")]).code).toBe(0);
    const r = run(["apps", "create", "--name", "binary-test", "--json", "--data-dir", join(dir, "data")]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    for (const field of ["id", "key", "secret", "name", "cluster"]) expect(json).toHaveProperty(field);
    expect(json.name).toBe("binary-test");
    app = { id: String(json.id), key: String(json.key), secret: String(json.secret) };
  });

  test("`serve --port 0` answers /health and the Pusher handshake, and stops on SIGTERM", async () => {
    expect(app).toBeDefined();
    // A .env in the cwd must be ignored (the build disables .env autoload in the executable).
    await writeFile(join(dir, ".env"), "MAWJLY_DATA_DIR=./from-dotenv\nMAWJLY_HOST=127.0.0.2\n");
    const server = Bun.spawn([bin, "serve", "--port", "0"], { cwd: dir, env: {}, stdout: "pipe", stderr: "pipe" });
    try {
      const port = await listeningPort(server);
      expect(existsSync(join(dir, "from-dotenv"))).toBe(false);

      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });

      const frame = await firstFrame(`ws://127.0.0.1:${port}/app/${app.key}?protocol=7`);
      expect(frame.event).toBe("pusher:connection_established");
      const data = JSON.parse(frame.data);
      expect(typeof data.socket_id).toBe("string");
      expect(data.activity_timeout).toBe(120);

      server.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    } finally {
      server.kill("SIGKILL");
    }
  }, 30_000);
});

// Read stdout until `mawjly: listening on http://HOST:PORT`; the default host is 0.0.0.0.
async function listeningPort(proc: ReturnType<typeof Bun.spawn>): Promise<number> {
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let out = "";
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const timeout = Bun.sleep(deadline - Date.now()).then(() => ({ done: true, value: undefined }));
    const { done, value } = await Promise.race([reader.read(), timeout]);
    if (done || !value) break;
    out += decoder.decode(value, { stream: true });
    const m = out.match(/^mawjly: listening on http:\/\/0\.0\.0\.0:(\d+)$/m);
    if (m) {
      reader.releaseLock();
      return Number(m[1]);
    }
  }
  proc.kill("SIGKILL");
  const err = await new Response(proc.stderr as ReadableStream).text().catch(() => "");
  throw new Error(`no listening line on 0.0.0.0; stdout:\n${out}\nstderr:\n${err}`);
}

function firstFrame(url: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error("no frame within 5 s")), 5_000);
    ws.onmessage = (e) => {
      clearTimeout(timer);
      ws.close();
      resolve(JSON.parse(String(e.data)));
    };
    ws.onerror = () => reject(new Error(`WebSocket error connecting to ${url}`));
    ws.onclose = (e) => reject(new Error(`WebSocket closed (${e.code} ${e.reason}) before any frame`));
  });
}
