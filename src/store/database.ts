/**
 * Opens the SQLite database: WAL so readers never block the writer, busy_timeout on every connection
 * so a second process (the CLI while `serve` runs) waits instead of failing, and the migration runner.
 * Writes use `.immediate()` transactions: a deferred read-then-write transaction fails under a second
 * writer (DEVELOPERS.md).
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS, type Migration } from "./migrations";

export const DB_FILE = "mawjly.db";

export class StoreError extends Error {
  override name = "StoreError";
}

/** Creates the data directory (owner-only) if missing. */
export function createDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StoreError(`Cannot create the data directory ${dataDir}: ${(err as Error).message}`);
  }
}

/** Whether a database exists in the directory (the management commands never create one). */
export function databaseExists(dataDir: string): boolean {
  return existsSync(join(dataDir, DB_FILE));
}

/**
 * Opens (and migrates) the database. `create: false` opens only an existing one: a command typed in
 * the wrong directory must not leave an empty database behind that a later sign-in would miss.
 */
export function openDatabase(dataDir: string, options: { migrate?: boolean; create?: boolean } = {}): Database {
  const create = options.create !== false;
  if (create) createDataDir(dataDir);
  else if (!databaseExists(dataDir)) throw new StoreError(`No Mawjly database in ${dataDir}`);
  let db: Database;
  try {
    db = new Database(join(dataDir, DB_FILE), { create, readwrite: true, strict: true });
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
  } catch (err) {
    throw new StoreError(`Cannot open the database in ${dataDir}: ${(err as Error).message}`);
  }
  if (options.migrate !== false) migrate(db);
  return db;
}

/** Applies pending migrations in order, each in its own immediate transaction. Returns those applied. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Migration[] {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const applied: Migration[] = [];
  for (const migration of migrations) {
    const run = db.transaction(() => {
      const done = db.query("SELECT 1 FROM schema_migrations WHERE version = ?").get(migration.version);
      if (done !== null) return false;
      db.exec(migration.sql);
      db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
      return true;
    });
    if (run.immediate()) applied.push(migration);
  }
  const newest = db.query("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
  const known = migrations.at(-1)?.version ?? 0;
  if ((newest.v ?? 0) > known) {
    throw new StoreError(
      `The database was written by a newer Mawjly (schema ${newest.v}, this build knows ${known}); upgrade Mawjly`,
    );
  }
  return applied;
}
