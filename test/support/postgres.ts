/**
 * A real, throw-away PostgreSQL for tests: its own cluster in a temp dir, trust authentication,
 * 127.0.0.1 on a free port, the unix socket in the temp dir, durability off (fsync, synchronous_commit,
 * full_page_writes) because nothing here must survive a crash of the machine.
 *
 *   const pg = usePostgres();                 // in a test file: started in beforeAll, stopped in afterAll
 *   const url = await pg().freshDatabase();   // a new empty database for one test
 *
 * or `const pg = await startPostgres(); … await pg.stop();`. For a store suite run on both dialects:
 *
 *   describeStores("AppStore", (fresh) => { test("…", async () => { const { db } = await fresh(); … }); });
 *
 * Running as root (CI, containers): initdb and postgres refuse root, so they run as the `postgres`
 * user through `setpriv`, which execs in place: the process we hold IS the postmaster, and our signals
 * reach it (runuser would fork and keep its own pid). initdb runs once per process; every cluster
 * after the first is a copy of that template (milliseconds instead of a second of initdb).
 *
 * Never leaked: stop() ends the postmaster (immediate shutdown) and removes the directory, and a
 * janitor shell per directory does the same when this process ends without calling it (see janitor).
 */
import { afterAll, afterEach, beforeAll, describe } from "bun:test";
import { SQL, type Subprocess } from "bun";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/open";
import { freePort } from "./redis";

export interface PostgresHandle {
  /** The admin database: `postgres://postgres@127.0.0.1:PORT/postgres`. The same after resume(). */
  readonly url: string;
  readonly port: number;
  /** The directory of the cluster and its socket (deleted by stop()). */
  readonly dir: string;
  /** Process id of the postmaster, or undefined while paused or stopped. */
  pid(): number | undefined;
  /** Creates a new empty database and answers its URL. */
  freshDatabase(): Promise<string>;
  /** Stops the server (fast shutdown: sessions are ended, clients see the connection close). */
  pause(): Promise<void>;
  /** Starts it again on the same port, with the same data; resolves once it accepts connections. */
  resume(): Promise<void>;
  /** Whether the server process runs. */
  running(): boolean;
  /** What postgres printed, over every start. */
  output(): string;
  /** Immediate shutdown and removal of every file. Safe to call twice. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;
const asRoot = process.getuid?.() === 0;

/** The newest /usr/lib/postgresql/N/bin (Debian), or PG_BIN, or PATH. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(base, v, "bin", "postgres"))) return join(base, v, "bin");
  const found = Bun.which("postgres");
  if (found) return join(found, "..");
  throw new Error("PostgreSQL not found: install it (Debian: apt-get install postgresql) or set PG_BIN");
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("running as root, but there is no 'postgres' user to run PostgreSQL as");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** The command prefix that drops root; empty when not root. */
const asPostgres = (): string[] =>
  asRoot ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] : [];

function own(path: string): void {
  if (!asRoot) return;
  const { uid, gid } = postgresUser();
  chownSync(path, uid, gid);
}

const exited = (proc: Subprocess) => proc.exitCode !== null || proc.signalCode !== null;

/**
 * A shell that removes `dir` once this process is gone, however it ends (bun test runs no exit
 * handlers, and a SIGKILL runs nothing): it reads a pipe only this process writes to, and at EOF ends
 * the postmaster whose pid file is in `dir`/data (immediate shutdown), waits for it, and deletes `dir`.
 * Held in `janitors`, so the pipe's write end is never collected and closed while we run.
 */
const janitors = new Set<Subprocess>();
const JANITOR = `while read -r _; do :; done
pid=$(head -n1 "$1/data/postmaster.pid" 2>/dev/null)
if [ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null; then
  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
fi
rm -rf "$1"`;
function janitor(dir: string): () => void {
  const proc = Bun.spawn(["sh", "-c", JANITOR, "sh", dir], { stdin: "pipe", stdout: "ignore", stderr: "ignore" });
  proc.unref();
  janitors.add(proc);
  return () => {
    proc.kill("SIGKILL");
    janitors.delete(proc);
  };
}

/** initdb once per process into a template cluster (its data dir); each start copies it. */
let template: Promise<string> | undefined;
function templateCluster(bin: string): Promise<string> {
  template ??= initdb(bin).catch((err: unknown) => {
    template = undefined;
    throw err;
  });
  return template;
}

async function initdb(bin: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-pg-template-"));
  const dismiss = janitor(dir);
  own(dir);
  const proc = Bun.spawn(
    [...asPostgres(), join(bin, "initdb"), "-D", join(dir, "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
      "--locale=C", "--no-sync", "--no-instructions"],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [code, out, err] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  if (code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    dismiss();
    throw new Error(`initdb failed with ${code}:\n${out}${err}`);
  }
  return join(dir, "data");
}

class PortInUse extends Error {}

/** Starts postgres on `port`; resolves once it reports "ready" in its pid file (it accepts connections). */
async function launch(bin: string, dir: string, port: number, log: (s: string) => void): Promise<Subprocess> {
  const data = join(dir, "data");
  const proc = Bun.spawn(
    [...asPostgres(), join(bin, "postgres"), "-D", data, "-p", String(port),
      "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dir}`,
      "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
      "-c", "max_connections=200", "-c", "shared_buffers=16MB", "-c", "log_min_messages=warning"],
    { stdout: "pipe", stderr: "pipe" },
  );
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
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited(proc)) break;
    if (ready(data, proc.pid)) return proc;
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      break;
    }
    await Bun.sleep(10);
  }
  await proc.exited;
  await pumped;
  if (/could not bind|address already in use|could not create any TCP\/IP sockets/i.test(out)) throw new PortInUse();
  throw new Error(`postgres did not start on port ${port} (exit ${proc.exitCode ?? proc.signalCode}):\n${out}`);
}

/**
 * postmaster.pid's first line is the pid, its eighth the status; "ready" is written once the server
 * accepts connections (a pid file left by an earlier crashed run has another pid).
 */
function ready(data: string, pid: number): boolean {
  try {
    const lines = readFileSync(join(data, "postmaster.pid"), "utf8").split("\n");
    return Number(lines[0]) === pid && lines[7]?.trim() === "ready";
  } catch {
    return false;
  }
}

async function terminate(proc: Subprocess, signal: NodeJS.Signals): Promise<void> {
  if (!exited(proc)) proc.kill(signal);
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  await proc.exited;
  clearTimeout(timer);
}

export async function startPostgres(): Promise<PostgresHandle> {
  const bin = binDir();
  const source = await templateCluster(bin);
  const dir = mkdtempSync(join(tmpdir(), "mawjly-pg-"));
  const dismiss = janitor(dir);
  own(dir);
  // cp -a keeps the owner and the 0700 mode postgres insists on.
  const copy = Bun.spawnSync(["cp", "-a", source, join(dir, "data")]);
  if (copy.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    dismiss();
    throw new Error(`cannot copy the template cluster: ${copy.stderr.toString()}`);
  }
  let out = "";
  const log = (s: string) => void (out += s);

  let proc: Subprocess | undefined;
  let port = 0;
  for (let attempt = 1; proc === undefined; attempt++) {
    port = await freePort();
    try {
      proc = await launch(bin, dir, port, log);
    } catch (err) {
      if (!(err instanceof PortInUse) || attempt >= 5) {
        rmSync(dir, { recursive: true, force: true });
        dismiss();
        throw err;
      }
    }
  }

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let admin: SQL | undefined;
  let databases = 0;
  const end = async (signal: NodeJS.Signals) => {
    if (admin) await admin.close({ timeout: 0 });
    admin = undefined;
    if (proc) await terminate(proc, signal);
    proc = undefined;
  };
  return {
    url,
    port,
    dir,
    pid: () => (proc && !exited(proc) ? proc.pid : undefined),
    async freshDatabase() {
      admin ??= new SQL({ url, max: 1 });
      const name = `test_${++databases}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    pause: () => end("SIGINT"),
    async resume() {
      if (proc && !exited(proc)) return;
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        try {
          proc = await launch(bin, dir, port, log);
          return;
        } catch (err) {
          // The port was released by our postmaster a moment ago; someone may have taken it meanwhile.
          if (!(err instanceof PortInUse) || Date.now() > deadline) throw err;
          await Bun.sleep(50);
        }
      }
    },
    running: () => proc !== undefined && !exited(proc),
    output: () => out,
    async stop() {
      await end("SIGQUIT");
      rmSync(dir, { recursive: true, force: true });
      dismiss();
    },
  };
}

/**
 * Registers beforeAll/afterAll in the calling test file: one PostgreSQL for the file, stopped even
 * when tests fail. Returns an accessor, since the handle exists only once beforeAll has run.
 */
export function usePostgres(): () => PostgresHandle {
  let handle: PostgresHandle | undefined;
  beforeAll(async () => {
    handle = await startPostgres();
  }, START_TIMEOUT_MS + 10_000);
  afterAll(async () => {
    await handle?.stop();
  });
  return () => {
    if (!handle) throw new Error("usePostgres(): PostgreSQL is started in beforeAll; read it inside a test");
    return handle;
  };
}

/**
 * Registers `suite` twice, in a describe per dialect ("NAME on sqlite", "NAME on postgres"): `fresh()`
 * opens a newly migrated store (a temp data directory, or a new database of this file's PostgreSQL),
 * closed and removed after each test.
 */
export function describeStores(name: string, suite: (fresh: () => Promise<Store>) => void): void {
  for (const dialect of ["sqlite", "postgres"] as const) {
    describe(`${name} on ${dialect}`, () => {
      const pg = dialect === "postgres" ? usePostgres() : undefined;
      const opened: { store?: Store; dir: string }[] = [];
      afterEach(async () => {
        for (const { store, dir } of opened.splice(0)) {
          await store?.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });
      suite(async () => {
        const entry: { store?: Store; dir: string } = { dir: mkdtempSync(join(tmpdir(), "mawjly-store-")) };
        opened.push(entry);
        entry.store = await openStore({ dataDir: entry.dir, databaseUrl: pg ? await pg().freshDatabase() : undefined });
        return entry.store;
      });
    });
  }
}
