/**
 * The database for a management command: found by the one data-directory rule (src/config/data-dir.ts)
 * and never created. A command run from the wrong directory used to create an empty ./data/mawjly.db
 * silently, and an account made there could never sign in to the real server.
 */
import type { Database } from "bun:sqlite";
import { dataDirHint, describeChoice, resolveDataDir, type DataDirChoice } from "../config/data-dir";
import { databaseExists, openDatabase, StoreError } from "../store/database";
import type { Db } from "../store/db";
import { databaseUrlOf, openStore } from "../store/open";
import { SqliteDb } from "../store/sqlite";

export function dataDirOf(values: Record<string, unknown>): DataDirChoice {
  return resolveDataDir(values["data-dir"] as string | undefined);
}

export function openExisting(choice: DataDirChoice): Database {
  if (!databaseExists(choice.dir)) {
    throw new StoreError(
      `no Mawjly database in ${choice.dir} (${describeChoice(choice)}); point to the server's data with --data-dir DIR or MAWJLY_DATA_DIR, or start 'mawjly serve' there first`,
    );
  }
  return openDatabase(choice.dir, { create: false });
}

/** Runs `use` with the database of a management command and always closes it. */
export async function withDatabase<T>(values: Record<string, unknown>, use: (db: Database, choice: DataDirChoice) => T | Promise<T>): Promise<T> {
  const choice = dataDirOf(values);
  const db = openExisting(choice);
  try {
    return await use(db, choice);
  } finally {
    db.close();
  }
}

/**
 * Runs `use` with the store port of a management command (store/db.ts) and always closes it: the
 * PostgreSQL database of --database-url / MAWJLY_DATABASE_URL when set, else the data directory's
 * existing SQLite database.
 */
export async function withStore<T>(values: Record<string, unknown>, use: (db: Db, choice: DataDirChoice) => T | Promise<T>): Promise<T> {
  const choice = dataDirOf(values);
  const databaseUrl = databaseUrlOf(values);
  const store = databaseUrl === undefined ? { db: new SqliteDb(openExisting(choice)) } : await openStore({ dataDir: choice.dir, databaseUrl });
  try {
    return await use(store.db, choice);
  } finally {
    await store.db.close();
  }
}

export { dataDirHint };
