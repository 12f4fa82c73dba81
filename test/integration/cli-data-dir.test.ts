/**
 * One rule finds the data directory for every command: --data-dir > MAWJLY_DATA_DIR > MAWJLY_DATA_DIR
 * in the env file install.sh wrote > ./data. Management commands never create a database; the hints
 * the server and the CLI print carry --data-dir when the directory is not the default.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { App } from "../../src/engine/app";
import { openDatabase } from "../../src/store/database";
import { BUN, MAIN } from "../support/server";

const REPO = resolve(import.meta.dir, "../..");
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-datadir-"));
  dirs.push(dir);
  return dir;
}

/** An environment with none of the rule's inputs, and HOME (so ~/.config) pointing at `home`. */
function envFor(home: string, extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, HOME: home };
  delete env.XDG_CONFIG_HOME;
  delete env.MAWJLY_DATA_DIR;
  return { ...env, ...extra };
}

async function mawjly(args: string[], opts: { cwd: string; home: string; env?: Record<string, string>; stdin?: string }) {
  const proc = Bun.spawn([BUN, MAIN, ...args], {
    cwd: opts.cwd,
    env: envFor(opts.home, opts.env),
    stdin: opts.stdin === undefined ? "ignore" : Buffer.from(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** A data directory whose database holds one app with this id, so a listing shows which one was used. */
function dataWithApp(dir: string, id: string): string {
  mkdirSync(dir, { recursive: true });
  openDatabase(dir).close();
  const r = Bun.spawnSync([BUN, MAIN, "apps", "create", "--name", id, "--id", id, "--data-dir", dir]);
  expect(r.stderr.toString()).toBe("");
  return dir;
}

function writeEnvFile(home: string, dataDir: string): string {
  const file = join(home, ".config", "mawjly", "mawjly.env");
  mkdirSync(join(home, ".config", "mawjly"), { recursive: true });
  writeFileSync(file, `# written by install.sh\nMAWJLY_DATA_DIR=${dataDir}\n`);
  return file;
}

const ids = (stdout: string) => (JSON.parse(stdout) as App[]).map((a) => a.id);
const MISSING = (dir: string, how: string) =>
  `mawjly: no Mawjly database in ${dir} (${how}); point to the server's data with --data-dir DIR or MAWJLY_DATA_DIR, or start 'mawjly serve' there first\n`;

describe.concurrent("which data directory a command uses", () => {
  // One home with all four candidates, each holding a different app.
  const home = tempDir();
  const work = join(home, "work");
  const flagDir = dataWithApp(join(home, "flag"), "from-flag");
  const envDir = dataWithApp(join(home, "env"), "from-env");
  const fileDir = dataWithApp(join(home, "file"), "from-file");
  dataWithApp(join(work, "data"), "from-default");
  writeEnvFile(home, fileDir);
  const list = (args: string[], env: Record<string, string> = {}) => mawjly(["apps", "list", "--json", ...args], { cwd: work, home, env });

  test("--data-dir wins over everything", async () => {
    expect(ids((await list(["--data-dir", flagDir], { MAWJLY_DATA_DIR: envDir })).stdout)).toEqual(["from-flag"]);
  });

  test("MAWJLY_DATA_DIR wins over the env file and ./data", async () => {
    expect(ids((await list([], { MAWJLY_DATA_DIR: envDir })).stdout)).toEqual(["from-env"]);
  });

  test("the env file install.sh wrote wins over ./data", async () => {
    expect(ids((await list([])).stdout)).toEqual(["from-file"]);
  });

  test("XDG_CONFIG_HOME moves the env file", async () => {
    const other = tempDir();
    mkdirSync(join(other, "mawjly"));
    writeFileSync(join(other, "mawjly", "mawjly.env"), `MAWJLY_DATA_DIR="${envDir}"\n`);
    expect(ids((await list([], { XDG_CONFIG_HOME: other })).stdout)).toEqual(["from-env"]);
  });

  test("./data in the current directory when nothing names one", async () => {
    const bare = tempDir();
    dataWithApp(join(bare, "data"), "bare-default");
    const r = await mawjly(["apps", "list", "--json"], { cwd: bare, home: bare });
    expect(ids(r.stdout)).toEqual(["bare-default"]);
  });
});

describe.concurrent("management commands never create a database", () => {
  test.each([
    ["--data-dir", "from --data-dir"],
    ["MAWJLY_DATA_DIR", "from MAWJLY_DATA_DIR"],
  ])("missing database named by %s: exit 1, one line, nothing created", async (how, said) => {
    const home = tempDir();
    const dir = join(home, "nowhere");
    const r =
      how === "--data-dir"
        ? await mawjly(["apps", "list", "--data-dir", dir], { cwd: home, home })
        : await mawjly(["apps", "list"], { cwd: home, home, env: { MAWJLY_DATA_DIR: dir } });
    expect(r).toEqual({ code: 1, stdout: "", stderr: MISSING(dir, said) });
    expect(existsSync(dir)).toBe(false);
  });

  test("missing database named by the env file: says which file", async () => {
    const home = tempDir();
    const file = writeEnvFile(home, join(home, "gone"));
    const r = await mawjly(["accounts", "list"], { cwd: home, home });
    expect(r).toEqual({ code: 1, stdout: "", stderr: MISSING(join(home, "gone"), `from MAWJLY_DATA_DIR in ${file}`) });
  });

  test("the default ./data: says so, and leaves no ./data behind (the reported bug)", async () => {
    const home = tempDir();
    const r = await mawjly(["accounts", "create", "--email", "a@example.com", "--password-stdin"], { cwd: home, home, stdin: "long enough password\n" });
    expect(r).toEqual({ code: 1, stdout: "", stderr: MISSING(join(home, "data"), "the default ./data in the current directory") });
    expect(existsSync(join(home, "data"))).toBe(false);
  });

  test("an env file that cannot be read is an error, not a silent fallback to ./data", async () => {
    const home = tempDir();
    const file = join(home, ".config", "mawjly", "mawjly.env");
    mkdirSync(file, { recursive: true }); // a directory where the file should be: EISDIR
    const r = await mawjly(["apps", "list"], { cwd: home, home });
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr: `mawjly: cannot read ${file} (EISDIR) to find the data directory; run as its owner (e.g. with sudo) or pass --data-dir DIR\n`,
    });
  });
});

describe("after install.sh (per-user), the printed command works from ~", () => {
  let release: ReturnType<typeof Bun.serve>;
  beforeAll(() => {
    // A fake release of a shell script "binary": install.sh only runs its `version`.
    const binary = `#!/bin/sh\necho "mawjly 9.9.9 (commit fake, built 2024-01-01T00:00:00Z)"\n`;
    const asset = `mawjly-linux-${process.arch === "arm64" ? "arm64" : "x64"}`;
    const sum = new Bun.CryptoHasher("sha256").update(binary).digest("hex");
    release = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) => new Response(new URL(req.url).pathname.endsWith("SHA256SUMS") ? `${sum}  ${asset}\n` : binary),
    });
  });
  afterAll(() => release.stop(true));

  test("serve and accounts create, both run from ~ without flags, use ~/.local/share/mawjly; sign-in works", async () => {
    const home = tempDir();
    const env = { MAWJLY_NO_SYSTEMD: "1", MAWJLY_DOWNLOAD_URL: `http://127.0.0.1:${release.port}` };
    // Asynchronous: the release server runs in this process, and spawnSync would block its event loop.
    const installer = Bun.spawn(["sh", join(REPO, "install.sh")], { cwd: home, env: envFor(home, env), stdout: "ignore", stderr: "pipe" });
    expect(await installer.exited, await new Response(installer.stderr).text()).toBe(0);
    const data = join(home, ".local", "share", "mawjly");

    const server = Bun.spawn([BUN, MAIN, "serve", "--host", "127.0.0.1", "--port", "0", "--no-demo"], {
      cwd: home,
      env: envFor(home),
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      let out = "";
      const reader = server.stdout.getReader();
      while (!/listening on http:\/\/[^:]+:(\d+)/.test(out)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`serve exited: ${out}${await new Response(server.stderr).text()}`);
        out += new TextDecoder().decode(value);
      }
      const port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(out)![1]);
      expect(existsSync(join(data, "mawjly.db"))).toBe(true);
      // From source the CLI is the checkout's bin (the compiled binary says plain `mawjly`: scripts/smoke.ts).
      const hint = /or from a shell: npx (mawjly accounts create .*)/.exec(out)![1]!;
      expect(hint).toBe(`mawjly accounts create --email you@example.com --admin --password-stdin --data-dir ${data}`);

      // The user types it (with the flag, and also without it) in their home directory.
      const withFlag = hint.replace("you@example.com", "admin@example.com").split(" ").slice(1);
      const created = await mawjly(withFlag, { cwd: home, home, stdin: "correct horse battery\n" });
      expect(created.stderr).toBe("");
      expect(created.code).toBe(0);
      const bare = await mawjly(["accounts", "create", "--email", "second@example.com", "--password-stdin"], {
        cwd: home,
        home,
        stdin: "correct horse battery\n",
      });
      expect(bare.stderr).toBe("");
      expect(existsSync(join(home, "data"))).toBe(false);

      for (const email of ["admin@example.com", "second@example.com"]) {
        const login = await fetch(`http://127.0.0.1:${port}/api/v1/session`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email, password: "correct horse battery" }),
        });
        expect(login.status).toBe(200);
      }
    } finally {
      server.kill("SIGTERM");
      await server.exited;
    }
  });
});
