/**
 * `mawjly store copy`: every table of a data directory's SQLite database into a PostgreSQL database
 * migrated to the same schema (test/unit/store-schema.test.ts keeps them equal).
 *
 * - Generic: the tables and their columns are read from SQLite (a table added by a later migration is
 *   copied without a change here), parents before children (foreign keys), in batches.
 * - All or nothing: one PostgreSQL transaction, committed only when every table's row count matches
 *   the source's; SQLite is read in one read transaction, a consistent snapshot even while a server
 *   writes (WAL).
 * - The target is emptied with TRUNCATE, which fires no row triggers: the retired_keys triggers (keys of
 *   deleted app_keys rows) must not fire, since retired_keys is copied as it is. Inserts fire nothing.
 * - Identity columns (AUTOINCREMENT on SQLite) continue past the highest id ever used, the copied rows'
 *   and sqlite_sequence's: an outbox seq is never reused (migrations/0004).
 */
import type { Database } from "bun:sqlite";
import { StoreError } from "./database";
import type { Db, Param } from "./db";
import type { PostgresDb } from "./postgres";

export interface TableCount {
  table: string;
  rows: number;
}

/** The plans every new database starts with (migrations 0002 and postgres/0001). */
const SEEDED_PLANS = ["business", "free", "startup", "unlimited"];
/** PostgreSQL takes at most 65535 parameters per statement; rows per INSERT stay well below. */
const MAX_PARAMS = 30_000;
const MAX_ROWS = 500;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The SQLite tables to copy, parents before children. */
export function tablesInOrder(source: Database): string[] {
  const names = (source.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  const parents = new Map(
    names.map((t) => [t, (source.query(`PRAGMA foreign_key_list(${quote(t)})`).all() as { table: string }[]).map((f) => f.table).filter((p) => p !== t)]),
  );
  const ordered: string[] = [];
  while (ordered.length < names.length) {
    const next = names.find((t) => !ordered.includes(t) && parents.get(t)!.every((p) => ordered.includes(p) || !names.includes(p)));
    if (next === undefined) throw new StoreError("cannot order the tables for the copy: their foreign keys form a cycle");
    ordered.push(next);
  }
  return ordered;
}

/** What the target already holds, as "table: rows" parts; empty when it is a fresh database. */
export async function existingData(target: Db, tables: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const table of tables) {
    const where = table === "plans" ? ` WHERE id NOT IN (${SEEDED_PLANS.map(() => "?").join(", ")})` : "";
    const row = await target.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quote(table)}${where}`, table === "plans" ? SEEDED_PLANS : []);
    if (row!.n > 0) found.push(`${table}: ${row!.n}${table === "plans" ? " not seeded" : ""}`);
  }
  return found;
}

/**
 * Copies `source` into `target` (already migrated). Refuses a target that holds data unless `force`,
 * which replaces it. Answers the row count of each table, in copy order.
 */
export async function copyToPostgres(source: Database, target: PostgresDb, options: { force?: boolean } = {}): Promise<TableCount[]> {
  const tables = tablesInOrder(source);
  const targetTables = new Set(
    (await target.all<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")).map((t) => t.table_name),
  );
  const missing = tables.filter((t) => !targetTables.has(t));
  if (missing.length > 0) {
    throw new StoreError(`the PostgreSQL schema at ${target.label} has no table ${missing.join(", ")}; is this Mawjly older than the data directory?`);
  }
  source.exec("BEGIN"); // one snapshot of the source for the whole copy
  try {
    return await target.transaction(async (tx) => {
      const held = await existingData(tx, tables);
      if (held.length > 0 && !options.force) {
        throw new StoreError(`the database at ${target.label} already holds data (${held.join(", ")}); --force replaces its contents`);
      }
      await tx.exec(`TRUNCATE ${tables.map(quote).join(", ")} RESTART IDENTITY CASCADE`);
      const counts: TableCount[] = [];
      for (const table of tables) counts.push({ table, rows: await copyTable(source, tx, table) });
      await continueIdentities(source, tx);
      for (const { table, rows } of counts) {
        const copied = (await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quote(table)}`))!.n;
        if (copied !== rows) {
          throw new StoreError(`copy check failed: ${table} has ${rows} rows in SQLite but ${copied} in PostgreSQL; nothing was committed`);
        }
      }
      return counts;
    });
  } finally {
    source.exec("COMMIT");
  }
}

/** Inserts every row of one table in batches; answers the number of rows the source has. */
async function copyTable(source: Database, tx: Db, table: string): Promise<number> {
  const columns = (source.query(`PRAGMA table_info(${quote(table)})`).all() as { name: string }[]).map((c) => c.name);
  const perRow = `(${columns.map(() => "?").join(", ")})`;
  const into = `INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES `;
  const batchRows = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / columns.length)));
  let batch: Param[] = [];
  let inBatch = 0;
  const flush = async () => {
    if (inBatch === 0) return;
    await tx.run(into + Array(inBatch).fill(perRow).join(", "), batch);
    batch = [];
    inBatch = 0;
  };
  let rows = 0;
  // iterate(): one row at a time, so a large delivery log or usage table is never all in memory.
  for (const row of source.query(`SELECT ${columns.map(quote).join(", ")} FROM ${quote(table)}`).iterate() as Iterable<Record<string, Param>>) {
    for (const column of columns) batch.push(row[column] ?? null);
    inBatch++;
    rows++;
    if (inBatch === batchRows) await flush();
  }
  await flush();
  return rows;
}

/** Sets every identity sequence past the highest id used: the copied rows' and SQLite's own record. */
async function continueIdentities(source: Database, tx: Db): Promise<void> {
  const identities = await tx.all<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'",
  );
  const hasSequences = source.query("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get() !== null;
  for (const { table_name: table, column_name: column } of identities) {
    const copied = (await tx.get<{ n: number | null }>(`SELECT MAX(${quote(column)}) AS n FROM ${quote(table)}`))!.n ?? 0;
    const used = hasSequences ? ((source.query("SELECT seq FROM sqlite_sequence WHERE name = ?").get(table) as { seq: number } | null)?.seq ?? 0) : 0;
    const highest = Math.max(copied, used);
    if (highest > 0) await tx.get("SELECT setval(pg_get_serial_sequence(?, ?), ?)", [quote(table), column, highest]);
  }
}
