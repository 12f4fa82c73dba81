/**
 * `mawjly store copy` through the real CLI: a data directory filled by the CLI (apps, keys renamed and
 * deleted, a plan, an account, a token, a webhook endpoint, sign-up) plus rows only a server writes
 * (sessions, usage, outbox, delivery log), copied into a fresh PostgreSQL database: every table equal
 * row for row, identities continued, the retired-key triggers silent during the copy and working
 * after it; a non-empty target refused unless --force; every bad input one line on stderr.
 */
import { POSTGRES_MIGRATIONS } from "../../src/store/migrations";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockDataDir } from "../../src/store/data-dir-lock";
import { DB_FILE } from "../../src/store/database";
import { PostgresDb } from "../../src/store/postgres";
import { usePostgres } from "../support/postgres";
import { freePort } from "../support/redis";
import { BUN, MAIN } from "../support/server";

const pg = usePostgres();
const root = mkdtempSync(join(tmpdir(), "mawjly-store-copy-"));
const dataDir = join(root, "data");
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI; MAWJLY_DATABASE_URL from the outer environment never leaks in. */
function mawjly(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Run {
  const r = Bun.spawnSync([BUN, MAIN, ...args], {
    env: { ...process.env, MAWJLY_DATABASE_URL: "", ...options.env },
    stdin: options.stdin === undefined ? "ignore" : Buffer.from(options.stdin),
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function ok(args: string[], stdin?: string): string {
  const r = mawjly([...args, "--data-dir", dataDir], { stdin });
  if (r.code !== 0) throw new Error(`mawjly ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** The one-line failure of a command: its exit code and stderr, with nothing on stdout. */
function failure(args: string[], env?: Record<string, string>): { code: number; line: string } {
  const r = mawjly(args, { env });
  expect(r.stdout).toBe("");
  expect(r.stderr.endsWith("\n")).toBe(true);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  return { code: r.code, line: r.stderr.trimEnd() };
}

const NOW = "2026-12-03T08:00:00.000Z";
let appId = "";

beforeAll(() => {
  ok(["migrate"]);
  const app = JSON.parse(ok(["apps", "create", "--name", "kept", "--json"])) as { id: string; key: string };
  appId = app.id;
  ok(["apps", "update", app.id, "--key", "renamed-key"]); // retires the first key (trigger)
  ok(["apps", "keys", app.id, "--add"]);
  const gone = JSON.parse(ok(["apps", "create", "--name", "deleted", "--json"])) as { id: string };
  ok(["apps", "delete", gone.id]); // retires its key through the cascade
  ok(["plans", "create", "--id", "pro", "--name", "Pro", "--max-apps", "5", "--max-connections", "500", "--max-messages-per-day", "1000"]);
  ok(["accounts", "create", "--email", "owner@example.com", "--password-stdin", "--plan", "pro"], "long enough password\n");
  ok(["accounts", "signup", "open"]);
  ok(["tokens", "create", "--account", "owner@example.com", "--name", "ci"]);
  ok(["webhooks", "add", "--app", app.id, "--url", "http://127.0.0.1:9/hook"]);
  // What only a running server writes.
  const db = new Database(join(dataDir, DB_FILE));
  try {
    const endpoint = (db.query("SELECT id FROM webhook_endpoints").get() as { id: string }).id;
    const account = (db.query("SELECT id FROM accounts").get() as { id: string }).id;
    db.query("INSERT INTO sessions VALUES ('hash-1', ?, 'csrf', ?, ?)").run(account, NOW, NOW);
    db.query("INSERT INTO usage_minutes (app_id, minute, connections_peak, api_messages) VALUES (?, 29412494, 7, 3000000000)").run(app.id);
    const outbox = db.query(
      "INSERT INTO webhook_outbox (endpoint_id, app_id, channel, type, event, ready_ms, next_attempt_ms) VALUES (?, ?, 'c', 'channel_occupied', '{}', 1764749697123, 1764749697123)",
    );
    for (let i = 0; i < 3; i++) outbox.run(endpoint, app.id);
    // The highest seq was used and deleted: the copy must not hand it out again.
    db.query("DELETE FROM webhook_outbox WHERE seq = 3").run();
    db.query(
      `INSERT INTO webhook_log (app_id, endpoint_id, url, at_ms, kind, outcome, event_types, event_count, attempt, status, latency_ms, events)
       VALUES (?, ?, 'http://127.0.0.1:9/hook', 1764749697123, 'delivery', 'failed', 'channel_occupied', 1, 1, NULL, 12, '[]')`,
    ).run(app.id, endpoint);
  } finally {
    db.close();
  }
}, 60_000);

/** Every row of every table, as sorted JSON lines with sorted keys, from both sides. */
async function contents(db: { all<T>(sql: string): Promise<T[]> }, tables: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of tables) {
    const rows = await db.all<Record<string, unknown>>(`SELECT * FROM ${table}`);
    out[table] = rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b))))).sort();
  }
  return out;
}

function sqliteContents(tables: string[]): Promise<Record<string, string[]>> {
  const db = new Database(join(dataDir, DB_FILE), { readonly: true });
  return contents({ all: async <T>(sql: string) => db.query(sql).all() as T[] }, tables).finally(() => db.close());
}

/** The table: rows lines of a successful copy, in the order printed. */
function countsOf(stdout: string): [string, number][] {
  return [...stdout.matchAll(/^ {2}(\w+) +(\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]);
}

describe("store copy into a fresh database", () => {
  let url = "";
  let label = "";
  let copied: [string, number][] = [];

  beforeAll(async () => {
    url = (await pg().freshDatabase()).replace("postgres@", "postgres:s3cret@");
    label = url.replace(":s3cret", "");
  });

  test("copies every table, prints the counts and what to change, never the password", async () => {
    const r = mawjly(["store", "copy", "--to", url, "--data-dir", dataDir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("s3cret");
    copied = countsOf(r.stdout);
    expect(copied.map(([t]) => t).sort()).toEqual(
      ["accounts", "api_tokens", "app_keys", "apps", "plans", "retired_keys", "sessions", "settings", "usage_minutes", "webhook_endpoints", "webhook_log", "webhook_outbox"],
    );
    const order = copied.map(([t]) => t);
    for (const [parent, child] of [["plans", "accounts"], ["accounts", "apps"], ["apps", "app_keys"], ["apps", "webhook_endpoints"], ["webhook_endpoints", "webhook_outbox"]]) {
      expect(order.indexOf(parent!)).toBeLessThan(order.indexOf(child!));
    }
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`Copied ${dataDir} to ${label}:`);
    expect(lines.at(-2)).toBe("Every table's row count matches the source.");
    expect(lines.at(-1)).toBe(
      `Next: give the service this database — MAWJLY_DATABASE_URL=${label} (with its password) in its environment` +
        " (e.g. the file install.sh wrote: /etc/mawjly/mawjly.env or ~/.config/mawjly/mawjly.env), or --database-url — and restart it.",
    );
  });

  test("PostgreSQL holds exactly the SQLite rows, table by table (retired keys untouched by the triggers)", async () => {
    const tables = copied.map(([t]) => t);
    const expected = await sqliteContents(tables);
    expect(Object.fromEntries(copied)).toEqual(Object.fromEntries(tables.map((t) => [t, expected[t]!.length])));
    expect(expected.retired_keys).toHaveLength(2);
    expect(expected.usage_minutes).toHaveLength(1);
    const db = new PostgresDb(url);
    try {
      expect(await contents(db, tables)).toEqual(expected);
    } finally {
      await db.close();
    }
  });

  test("a second copy is refused with one line naming what the target holds", () => {
    const held = copied
      .map(([t, n]) => (t === "plans" ? "plans: 1 not seeded" : n > 0 ? `${t}: ${n}` : ""))
      .filter((part) => part !== "");
    const { code, line } = failure(["store", "copy", "--to", url, "--data-dir", dataDir]);
    expect(code).toBe(1);
    expect(line).toBe(`mawjly: the database at ${label} already holds data (${held.join(", ")}); --force replaces its contents`);
  });

  test("identities continue past the highest id SQLite ever used; the triggers work after the copy", async () => {
    const db = new PostgresDb(url);
    try {
      const endpoint = (await db.get<{ id: string }>("SELECT id FROM webhook_endpoints"))!.id;
      const next = await db.get(
        "INSERT INTO webhook_outbox (endpoint_id, app_id, channel, type, event, ready_ms, next_attempt_ms) VALUES (?, ?, 'c', 't', '{}', 1, 1) RETURNING seq",
        [endpoint, appId],
      );
      expect(next).toEqual({ seq: 4 });
      const log = await db.get(
        "INSERT INTO webhook_log (app_id, endpoint_id, url, at_ms, kind, outcome, event_types, event_count, attempt, events) VALUES (?, ?, 'u', 1, 'test', 'delivered', 't', 1, 1, '[]') RETURNING id",
        [appId, endpoint],
      );
      expect(log).toEqual({ id: 2 });
      await db.run("DELETE FROM app_keys WHERE key = 'renamed-key'");
      expect(await db.get("SELECT key FROM retired_keys WHERE key = 'renamed-key'")).toEqual({ key: "renamed-key" });
    } finally {
      await db.close();
    }
  });

  test("--force replaces the target's contents with the source's", async () => {
    ok(["apps", "create", "--name", "added later"]);
    const r = mawjly(["store", "copy", "--to", url, "--force", "--data-dir", dataDir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const tables = countsOf(r.stdout).map(([t]) => t);
    const db = new PostgresDb(url);
    try {
      expect(await contents(db, tables)).toEqual(await sqliteContents(tables));
      expect(await db.get("SELECT COUNT(*) AS n FROM apps")).toEqual({ n: 2 });
    } finally {
      await db.close();
    }
  });
});

test("a copy taken while a server holds the data directory says its later writes are missing", async () => {
  const lock = lockDataDir(dataDir); // what `serve` holds while it runs
  try {
    const r = mawjly(["store", "copy", "--to", await pg().freshDatabase(), "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `\nNote: a server was running on ${dataDir}; what it wrote after this copy is not in PostgreSQL. Stop it and copy again with --force.\n`,
    );
  } finally {
    lock.release();
  }
});

describe("bad input: one line on stderr, nothing on stdout", () => {
  test("store copy without --to", () => {
    expect(failure(["store", "copy", "--data-dir", dataDir])).toEqual({ code: 2, line: "mawjly: store copy: --to postgres://USER:PASSWORD@HOST:5432/DB is required" });
  });

  test("store copy to a URL of another kind, without echoing it", () => {
    expect(failure(["store", "copy", "--to", "mysql://root:s3cret@db/mawjly", "--data-dir", dataDir])).toEqual({
      code: 1,
      line: "mawjly: the database URL must start with postgres:// or postgresql:// (not mysql://)",
    });
    expect(failure(["store", "copy", "--to", "db.example.com", "--data-dir", dataDir])).toEqual({
      code: 1,
      line: "mawjly: the database URL is not a valid URL; expected postgres://USER:PASSWORD@HOST:5432/DATABASE",
    });
  });

  test("store copy to a server that is not there, or a database that does not exist", async () => {
    const port = await freePort();
    expect(failure(["store", "copy", "--to", `postgres://u:s3cret@127.0.0.1:${port}/mawjly`, "--data-dir", dataDir])).toEqual({
      code: 1,
      line: `mawjly: PostgreSQL at postgres://u@127.0.0.1:${port}/mawjly is unavailable: connection refused`,
    });
    const missing = `postgres://postgres@127.0.0.1:${pg().port}/no_such_db`;
    expect(failure(["store", "copy", "--to", missing, "--data-dir", dataDir])).toEqual({
      code: 1,
      line: `mawjly: PostgreSQL at ${missing} is unavailable: database "no_such_db" does not exist`,
    });
  });

  test("store copy from a directory without a database (nothing is created there)", async () => {
    const empty = join(root, "empty");
    const { code, line } = failure(["store", "copy", "--to", await pg().freshDatabase(), "--data-dir", empty]);
    expect(code).toBe(1);
    expect(line).toStartWith(`mawjly: no Mawjly database in ${empty} (from --data-dir); `);
    expect(existsSync(empty)).toBe(false);
  });

  test("unknown subcommand, unexpected argument, unknown option, --database-url on copy", () => {
    expect(failure(["store", "move"])).toEqual({ code: 2, line: "mawjly: store: unknown subcommand 'move' (use copy or backup)" });
    expect(failure(["store", "copy", "extra", "--to", "postgres://h/db"])).toEqual({ code: 2, line: "mawjly: store copy: unexpected argument 'extra'" });
    expect(failure(["store", "copy", "--bogus"]).code).toBe(2);
    expect(failure(["store", "copy", "--to", "postgres://h/db", "--database-url", "postgres://h/db"])).toEqual({
      code: 2,
      line: "mawjly: store copy: the target is --to; --database-url is not used here",
    });
  });
});

describe("store backup", () => {
  test("writes a consistent SQLite copy that holds the same data", async () => {
    const file = join(root, "backup.db");
    const r = mawjly(["store", "backup", "--to", file, "--data-dir", dataDir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Backed up ${dataDir} to ${file} \\(\\d+ bytes\\)\\.\\n$`));
    const copy = new Database(file, { readonly: true });
    try {
      const names = (rows: unknown) => (rows as { name: string }[]).map((a) => a.name).sort();
      const original = await sqliteContents(["apps"]);
      expect(names(copy.query("SELECT name FROM apps").all())).toEqual(original.apps!.map((a) => JSON.parse(a).name).sort());
    } finally {
      copy.close();
    }
  });

  test("never overwrites a file", () => {
    const file = join(root, "backup.db");
    expect(failure(["store", "backup", "--to", file, "--data-dir", dataDir])).toEqual({
      code: 1,
      line: `mawjly: ${file} already exists; give a new file name (a backup never overwrites)`,
    });
  });

  test("a PostgreSQL store (flag or environment) gets the pg_dump command, exit 1", () => {
    const url = "postgres://mawjly:s3cret@db.example.com:5432/mawjly";
    const line = "mawjly: this store is PostgreSQL (postgres://mawjly@db.example.com:5432/mawjly); back it up with: " +
      "pg_dump --format=custom --file=/backups/mawjly.dump postgres://mawjly@db.example.com:5432/mawjly (password from PGPASSWORD or ~/.pgpass)";
    expect(failure(["store", "backup", "--to", "/backups/mawjly.dump", "--database-url", url])).toEqual({ code: 1, line });
    expect(failure(["store", "backup", "--to", "/backups/mawjly.dump"], { MAWJLY_DATABASE_URL: url })).toEqual({ code: 1, line });
  });

  test("without --to", () => {
    expect(failure(["store", "backup", "--data-dir", dataDir])).toEqual({ code: 2, line: "mawjly: store backup: --to FILE is required" });
  });
});

describe("migrate --database-url", () => {
  test("creates the tables, then reports the database up to date", async () => {
    const url = await pg().freshDatabase();
    expect(mawjly(["migrate", "--database-url", url])).toEqual({ code: 0, stdout: `mawjly: migrated ${url} (${POSTGRES_MIGRATIONS.map((m) => m.name).join(", ")})\n`, stderr: "" });
    expect(mawjly(["migrate"], { env: { MAWJLY_DATABASE_URL: url } })).toEqual({ code: 0, stdout: `mawjly: database ${url} is up to date\n`, stderr: "" });
  });

  test("a URL of another kind", () => {
    expect(failure(["migrate", "--database-url", "redis://127.0.0.1:6379"])).toEqual({
      code: 1,
      line: "mawjly: the database URL must start with postgres:// or postgresql:// (not redis://)",
    });
  });
});
