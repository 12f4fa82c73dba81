/**
 * The migration list matches migrations/ file by file; openDatabase applies them once, records them,
 * and sets the pragmas a second process relies on (WAL, busy_timeout).
 */
import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DB_FILE, migrate, openDatabase, StoreError } from "../../src/store/database";
import { MIGRATIONS } from "../../src/store/migrations";

const DIR = join(import.meta.dir, "..", "..", "migrations");
const files = readdirSync(DIR).filter((f) => f.endsWith(".sql")).sort();

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-unit-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function open(dir: string): Database {
  const db = openDatabase(dir);
  cleanup.unshift(() => db.close());
  return db;
}

test("every file in migrations/ is listed, in order, with its number as version and its exact SQL", () => {
  expect(files.length).toBeGreaterThan(0);
  expect(MIGRATIONS.map((m) => m.name)).toEqual(files);
  MIGRATIONS.forEach((m, i) => {
    expect(m.version).toBe(i + 1);
    expect(Number(m.name.slice(0, 4))).toBe(m.version);
    expect(m.sql).toBe(readFileSync(join(DIR, m.name), "utf8"));
  });
});

test("file names are NNNN_name.sql with no gaps", () => {
  files.forEach((f, i) => expect(f).toMatch(new RegExp(`^${String(i + 1).padStart(4, "0")}_[a-z0-9_]+\\.sql$`)));
});

test("openDatabase on an empty directory applies every migration and records it", () => {
  const dir = tempDir();
  const db = open(dir);
  const rows = db.query("SELECT version, name FROM schema_migrations ORDER BY version").all();
  expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  const applied = db.query("SELECT applied_at FROM schema_migrations").all() as { applied_at: string }[];
  for (const { applied_at } of applied) expect(Number.isNaN(Date.parse(applied_at))).toBe(false);
  expect(db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'apps'").get()).toEqual({ name: "apps" });
  expect(readdirSync(dir)).toContain(DB_FILE);
});

test("migrating again is a no-op (in the same process and after reopening)", () => {
  const dir = tempDir();
  const db = open(dir);
  const before = db.query("SELECT * FROM schema_migrations ORDER BY version").all();
  expect(migrate(db)).toEqual([]);
  db.close();
  cleanup.shift();
  const again = open(dir);
  expect(again.query("SELECT * FROM schema_migrations ORDER BY version").all()).toEqual(before);
});

test("only pending migrations run on an older database", () => {
  const dir = tempDir();
  const db = new Database(join(dir, DB_FILE), { create: true });
  cleanup.unshift(() => db.close());
  expect(migrate(db, MIGRATIONS.slice(0, 1)).map((m) => m.version)).toEqual([1]);
  expect(migrate(db).map((m) => m.version)).toEqual(MIGRATIONS.slice(1).map((m) => m.version));
});

test("journal_mode is WAL and busy_timeout is set", () => {
  const db = open(tempDir());
  expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
  const { timeout } = db.query("PRAGMA busy_timeout").get() as { timeout: number };
  expect(timeout).toBeGreaterThanOrEqual(1000);
  expect(db.query("PRAGMA foreign_keys").get()).toEqual({ foreign_keys: 1 });
});

test("a database written by a newer build is refused with a clear message", () => {
  const dir = tempDir();
  const db = open(dir);
  const next = MIGRATIONS.length + 1;
  db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', 'now')").run(next);
  expect(() => migrate(db)).toThrow(
    new StoreError(
      `The database was written by a newer Mawjly (schema ${next}, this build knows ${MIGRATIONS.length}); upgrade Mawjly`,
    ),
  );
});
