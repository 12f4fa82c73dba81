/**
 * Opens the store a process uses: SQLite in the data directory (as always), or PostgreSQL when a
 * database URL is given (`--database-url`, else MAWJLY_DATABASE_URL). Both are migrated on open
 * unless `migrate: false`; the answer carries the port (`db`), and in SQLite mode the raw bun:sqlite
 * handle for the code that still needs it.
 */
import type { Database } from "bun:sqlite";
import { join } from "node:path";
import { DB_FILE, openDatabase, StoreError } from "./database";
import type { Db } from "./db";
import { migratePostgres } from "./pg-migrate";
import { PostgresDb, describePostgresUrl } from "./postgres";
import { SqliteDb } from "./sqlite";

export interface StoreOptions {
  dataDir: string;
  /** postgres:// or postgresql://; absent: SQLite in `dataDir`. */
  databaseUrl?: string;
  /** SQLite: create the database if missing (default true). PostgreSQL: the database must exist. */
  create?: boolean;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

export interface Store {
  db: Db;
  /** The raw handle, SQLite mode only. */
  sqlite?: Database;
  /** Where the data is, for messages: a file path, or the URL without its password. */
  label: string;
  close(): Promise<void>;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl === undefined) {
    const sqlite = openDatabase(options.dataDir, { create: options.create, migrate: options.migrate });
    const db = new SqliteDb(sqlite);
    return { db, sqlite, label: join(options.dataDir, DB_FILE), close: () => db.close() };
  }
  checkPostgresUrl(options.databaseUrl);
  const db = new PostgresDb(options.databaseUrl);
  try {
    if (options.migrate !== false) await migratePostgres(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return { db, label: db.label, close: () => db.close() };
}

/** A one-line StoreError unless `url` is a postgres:// or postgresql:// URL (never echoes the URL: it may hold a password). */
export function checkPostgresUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new StoreError("the database URL is not a valid URL; expected postgres://USER:PASSWORD@HOST:5432/DATABASE");
  }
  if (protocol !== "postgres:" && protocol !== "postgresql:") {
    throw new StoreError(`the database URL must start with postgres:// or postgresql:// (not ${protocol}//)`);
  }
}

/** The database URL of a command: --database-url, else MAWJLY_DATABASE_URL; an empty value counts as none. */
export function databaseUrlOf(values: Record<string, unknown>, env: Record<string, string | undefined> = process.env): string | undefined {
  const flag = values["database-url"];
  if (typeof flag === "string" && flag !== "") return flag;
  const fromEnv = env.MAWJLY_DATABASE_URL;
  return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
}

export { describePostgresUrl };
