// install.sh against a local "release" server. Everything is written under a temp MAWJLY_ROOT, so the
// tests never touch the real system. Most cases install a tiny shell script as the "binary" (fast);
// only the first case installs the real dist/mawjly, because only it must really run `version`.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "../..");
const installSh = join(repo, "install.sh");
const arch = process.arch === "arm64" ? "arm64" : "x64";
const asset = `mawjly-linux-${arch}`;
const HOME = "/home/tester"; // inside MAWJLY_ROOT, so it never has to exist on this machine

let work: string; // temp dir for everything
let served: string; // what the fake release server serves
let server: ReturnType<typeof Bun.serve>;

function sha256(data: string | Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}

function fakeBinary(version: string): string {
  return `#!/bin/sh\necho "mawjly ${version} (commit fake, built 2024-01-01T00:00:00Z)"\n`;
}

// Publish a binary (and, unless given, its correct SHA256SUMS line) as the "release".
async function publish(binary: string | Uint8Array, sums?: string) {
  await rm(served, { recursive: true, force: true });
  await mkdir(served, { recursive: true });
  await writeFile(join(served, asset), binary);
  await writeFile(join(served, "SHA256SUMS"), sums ?? `${sha256(binary)}  ${asset}\n`);
}

async function freshRoot(): Promise<string> {
  return mkdtemp(join(work, "root-"));
}

async function install(root: string, args: string[] = [], extraEnv: Record<string, string> = {}) {
  const proc = Bun.spawn(["sh", installSh, ...args], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME,
      MAWJLY_ROOT: root,
      MAWJLY_NO_SYSTEMD: "1",
      MAWJLY_DOWNLOAD_URL: `http://127.0.0.1:${server.port}`,
      ...extraEnv,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

const userBin = (root: string) => join(root, HOME, ".local/bin/mawjly");
const userData = (root: string) => join(root, HOME, ".local/share/mawjly");

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "mawjly-install-test-"));
  served = join(work, "served");
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const file = Bun.file(join(served, new URL(req.url).pathname.split("/").pop() ?? ""));
      return (await file.exists()) ? new Response(file) : new Response("not found", { status: 404 });
    },
  });
});

afterAll(async () => {
  server?.stop(true);
  await rm(work, { recursive: true, force: true });
});

describe("install.sh (no systemd, MAWJLY_ROOT)", () => {
  // The real binary: dist/mawjly if built, else built once here (host only) when the server source exists.
  const dist = join(repo, "dist/mawjly");
  const canBuild = existsSync(join(repo, "src/main.ts"));
  test.skipIf(!existsSync(dist) && !canBuild)(
    "installs the real binary and `version` runs",
    async () => {
      if (!existsSync(dist)) {
        const build = Bun.spawnSync([process.execPath, join(repo, "scripts/build.ts"), "--host-only"], { cwd: repo });
        expect(build.exitCode, build.stderr.toString()).toBe(0);
      }
      await publish(new Uint8Array(await Bun.file(dist).arrayBuffer()));
      const root = await freshRoot();
      const r = await install(root);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`installed ${userBin(root)}`);
      const version = Bun.spawnSync([userBin(root), "version"], { env: {} });
      expect(version.exitCode).toBe(0);
      expect(version.stdout.toString().trim()).toMatch(/^mawjly \S+ \(commit \S+, built \S+\)$/);
    },
    120_000,
  );

  test("refuses a tampered checksum and installs nothing", async () => {
    const binary = fakeBinary("1.0.0");
    const good = sha256(binary);
    const bad = sha256("something else");
    await publish(binary, `${bad}  ${asset}\n`);
    const root = await freshRoot();
    const r = await install(root);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `mawjly-install: error: checksum mismatch for ${asset} (expected ${bad}, got ${good}); nothing was installed`,
    );
    expect(Array.from(new Bun.Glob("**").scanSync({ cwd: root, dot: true, onlyFiles: false }))).toEqual([]);
  });

  test("refuses when SHA256SUMS has no entry for this platform", async () => {
    await publish(fakeBinary("1.0.0"), `${sha256("x")}  mawjly-linux-other\n`);
    const root = await freshRoot();
    const r = await install(root);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`SHA256SUMS has no entry for ${asset}; nothing was installed`);
    expect(existsSync(userBin(root))).toBe(false);
  });

  test("re-running upgrades the binary in place and keeps data", async () => {
    const root = await freshRoot();
    await publish(fakeBinary("1.0.0"));
    const first = await install(root);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`  ${userBin(root)} serve\n`); // tells the user how to start it
    // Every mawjly command reads the data directory from here (the real path, without MAWJLY_ROOT).
    const envFile = join(root, HOME, ".config/mawjly/mawjly.env");
    expect(await readFile(envFile, "utf8")).toContain(`\nMAWJLY_DATA_DIR=${HOME}/.local/share/mawjly\n`);
    expect((await Bun.file(envFile).stat()).mode & 0o777).toBe(0o600);
    await writeFile(join(userData(root), "mawjly.db"), "precious");
    await writeFile(envFile, "MAWJLY_DATA_DIR=/srv/mine\n"); // the user's file: an upgrade keeps it

    await publish(fakeBinary("2.0.0"));
    const second = await install(root);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("upgraded");
    expect(await readFile(userBin(root), "utf8")).toBe(fakeBinary("2.0.0"));
    expect(await readFile(join(userData(root), "mawjly.db"), "utf8")).toBe("precious");
    expect(existsSync(join(root, HOME, ".local/bin/.mawjly.new"))).toBe(false);
    expect(await readFile(envFile, "utf8")).toBe("MAWJLY_DATA_DIR=/srv/mine\n");
  });

  test("XDG_CONFIG_HOME decides where the user's env file goes", async () => {
    const root = await freshRoot();
    await publish(fakeBinary("1.0.0"));
    const r = await install(root, [], { XDG_CONFIG_HOME: "/home/tester/conf" });
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(root, "home/tester/conf/mawjly/mawjly.env"), "utf8")).toContain(
      "MAWJLY_DATA_DIR=/home/tester/.local/share/mawjly\n",
    );
  });

  test("--uninstall removes the binary and keeps data; --purge removes data", async () => {
    const root = await freshRoot();
    await publish(fakeBinary("1.0.0"));
    expect((await install(root)).code).toBe(0);
    await writeFile(join(userData(root), "mawjly.db"), "precious");

    const un = await install(root, ["--uninstall"]);
    expect(un.code, un.stderr).toBe(0);
    expect(existsSync(userBin(root))).toBe(false);
    expect(existsSync(join(userData(root), "mawjly.db"))).toBe(true);

    const again = await install(root, ["--uninstall"]); // idempotent
    expect(again.code, again.stderr).toBe(0);

    const purge = await install(root, ["--uninstall", "--purge"]);
    expect(purge.code, purge.stderr).toBe(0);
    expect(existsSync(userData(root))).toBe(false);
    expect(existsSync(join(root, HOME, ".config/mawjly"))).toBe(false);
  });

  test("rejects unknown options", async () => {
    const r = await install(await freshRoot(), ["--frobnicate"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown option: --frobnicate");
  });
});

describe("install.sh service layout (MAWJLY_FORCE_SYSTEMD inside MAWJLY_ROOT)", () => {
  // Only the files are checked: systemctl/useradd are skipped under MAWJLY_ROOT.
  // The service layout needs root, like the real thing.
  test.skipIf(process.getuid?.() !== 0)("writes a hardened unit and an env file that survives re-install", async () => {
    const root = await freshRoot();
    const env = { MAWJLY_NO_SYSTEMD: "", MAWJLY_FORCE_SYSTEMD: "1" };
    await publish(fakeBinary("1.0.0"));
    const r = await install(root, [], env);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(root, "usr/local/bin/mawjly"))).toBe(true);

    const unit = await readFile(join(root, "etc/systemd/system/mawjly.service"), "utf8");
    for (const line of [
      "ExecStart=/usr/local/bin/mawjly serve",
      "EnvironmentFile=/etc/mawjly/mawjly.env",
      "User=mawjly",
      "NoNewPrivileges=true",
      "ProtectSystem=strict",
      "ReadWritePaths=/var/lib/mawjly",
      "LimitNOFILE=1048576",
      "Restart=on-failure",
    ]) {
      expect(unit).toContain(`\n${line}\n`);
    }
    const envFile = join(root, "etc/mawjly/mawjly.env");
    const config = await readFile(envFile, "utf8");
    expect(config).toContain("MAWJLY_PORT=6001");
    expect(config).toContain("MAWJLY_HOST=0.0.0.0");
    expect(config).toContain("MAWJLY_DATA_DIR=/var/lib/mawjly");
    expect((await Bun.file(join(root, "var/lib/mawjly")).stat()).mode & 0o777).toBe(0o700);

    await writeFile(envFile, "MAWJLY_PORT=7000\n");
    expect((await install(root, [], env)).code).toBe(0);
    expect(await readFile(envFile, "utf8")).toBe("MAWJLY_PORT=7000\n");

    const un = await install(root, ["--uninstall"], env);
    expect(un.code, un.stderr).toBe(0);
    expect(existsSync(join(root, "etc/systemd/system/mawjly.service"))).toBe(false);
    expect(existsSync(envFile)).toBe(true);
  });
});

describe.skipIf(!Bun.which("shellcheck"))("install.sh lint", () => {
  test("shellcheck is clean", () => {
    const r = Bun.spawnSync(["shellcheck", installSh]);
    expect(r.stdout.toString() + r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  });
});
