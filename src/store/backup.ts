/**
 * `mawjly store backup`: a consistent copy of the SQLite database in one file, taken with VACUUM INTO
 * (a read transaction: safe while a server writes; the copy is compacted and has no WAL beside it).
 * A PostgreSQL store is backed up with the server's own tool; `pgDumpCommand` spells it out.
 */
import type { Database } from "bun:sqlite";
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { StoreError } from "./database";

/** Writes the backup to `file` (never over an existing one); answers its absolute path and size. */
export function backupSqlite(db: Database, file: string): { path: string; bytes: number } {
  const path = resolve(file);
  if (existsSync(path)) throw new StoreError(`${path} already exists; give a new file name (a backup never overwrites)`);
  try {
    db.query("VACUUM INTO ?").run(path);
  } catch (err) {
    throw new StoreError(`cannot write the backup to ${path}: ${(err as Error).message}`);
  }
  return { path, bytes: statSync(path).size };
}

/** A word for a POSIX shell: as is when plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The pg_dump command for the database at `label` (the URL without its password) into `file`. */
export function pgDumpCommand(label: string, file: string): string {
  return `pg_dump --format=custom --file=${shellWord(file)} ${shellWord(label)}`;
}
