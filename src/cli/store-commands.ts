/**
 * `mawjly store copy|backup`: moving a data directory's SQLite database into PostgreSQL, and backing
 * up the SQLite one. The data directory is found by the one rule of every command (config/data-dir.ts)
 * and its database must exist.
 */
import { DataDirLocked, lockDataDir } from "../store/data-dir-lock";
import { backupSqlite, pgDumpCommand } from "../store/backup";
import { copyToPostgres } from "../store/copy";
import { StoreError } from "../store/database";
import { checkPostgresUrl, databaseUrlOf, describePostgresUrl } from "../store/open";
import { migratePostgres } from "../store/pg-migrate";
import { PostgresDb } from "../store/postgres";
import { parse, subcommand, UsageError } from "./args";
import { dataDirOf, openExisting } from "./store";

export const STORE_HELP = `Usage: mawjly store <copy|backup> [options] [--data-dir DIR]

  store copy --to postgres://USER:PASSWORD@HOST:5432/DB [--force]
      copies every table of the data directory's SQLite database into that PostgreSQL database
      (created by you, empty; Mawjly creates its tables). Refuses a database that already holds
      data; --force replaces its contents. Stop the server first, so no write is left behind.
  store backup --to FILE
      writes a consistent copy of the SQLite database to FILE (safe while the server runs).
      With --database-url or MAWJLY_DATABASE_URL, prints the pg_dump command to use instead.`;

export async function storeCommand(argv: string[]): Promise<void> {
  const given = subcommand(argv, "store", ["copy", "backup"]);
  if (given === undefined) return void console.log(STORE_HELP);
  const { sub, rest } = given;
  const { values, positionals } = parse(
    rest,
    { to: { type: "string" }, force: { type: "boolean" }, "database-url": { type: "string" } },
    `store ${sub}`,
  );
  if (values.help) return void console.log(STORE_HELP);
  if (positionals.length > 0) throw new UsageError(`store ${sub}: unexpected argument '${positionals[0]}'`);
  switch (sub) {
    case "copy":
      return copy(values);
    case "backup":
      return backup(values);
    default:
      throw new UsageError(`store: unknown subcommand '${sub}' (use copy or backup)`);
  }
}

async function copy(values: Record<string, unknown>): Promise<void> {
  const url = values.to;
  if (typeof url !== "string" || url === "") throw new UsageError("store copy: --to postgres://USER:PASSWORD@HOST:5432/DB is required");
  if (values["database-url"] !== undefined) throw new UsageError("store copy: the target is --to; --database-url is not used here");
  checkPostgresUrl(url);
  const choice = dataDirOf(values);
  const source = openExisting(choice);
  const running = serverRunning(choice.dir);
  const target = new PostgresDb(url);
  try {
    await migratePostgres(target);
    const counts = await copyToPostgres(source, target, { force: values.force === true });
    const width = Math.max(...counts.map((c) => c.table.length));
    console.log(`Copied ${choice.dir} to ${target.label}:`);
    for (const { table, rows } of counts) console.log(`  ${table.padEnd(width)}  ${rows}`);
    console.log("Every table's row count matches the source.");
    if (running) {
      console.log(`Note: a server was running on ${choice.dir}; what it wrote after this copy is not in PostgreSQL. Stop it and copy again with --force.`);
    }
    console.log(
      `Next: give the service this database — MAWJLY_DATABASE_URL=${target.label} (with its password) in its environment` +
        " (e.g. the file install.sh wrote: /etc/mawjly/mawjly.env or ~/.config/mawjly/mawjly.env), or --database-url — and restart it.",
    );
  } finally {
    await target.close();
    source.close();
  }
}

function backup(values: Record<string, unknown>): void {
  const file = values.to;
  if (typeof file !== "string" || file === "") throw new UsageError("store backup: --to FILE is required");
  if (values.force !== undefined) throw new UsageError("store backup: --force is not supported (a backup never overwrites)");
  const url = databaseUrlOf(values);
  if (url !== undefined) {
    checkPostgresUrl(url);
    throw new StoreError(
      `this store is PostgreSQL (${describePostgresUrl(url)}); back it up with: ${pgDumpCommand(describePostgresUrl(url), file)} (password from PGPASSWORD or ~/.pgpass)`,
    );
  }
  const choice = dataDirOf(values);
  const db = openExisting(choice);
  try {
    const { path, bytes } = backupSqlite(db, file);
    console.log(`Backed up ${choice.dir} to ${path} (${bytes} bytes).`);
  } finally {
    db.close();
  }
}

/** `mawjly migrate --database-url URL`: creates or upgrades the Mawjly tables of a PostgreSQL database. */
export async function migratePostgresCommand(url: string): Promise<void> {
  checkPostgresUrl(url);
  const db = new PostgresDb(url);
  try {
    const applied = await migratePostgres(db);
    console.log(applied.length === 0 ? `mawjly: database ${db.label} is up to date` : `mawjly: migrated ${db.label} (${applied.map((m) => m.name).join(", ")})`);
  } finally {
    await db.close();
  }
}

/** Whether a server holds the data directory's lock (then the copy may miss its later writes). */
function serverRunning(dir: string): boolean {
  try {
    lockDataDir(dir).release();
    return false;
  } catch (err) {
    if (err instanceof DataDirLocked) return true;
    throw err;
  }
}
