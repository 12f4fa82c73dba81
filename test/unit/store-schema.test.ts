/**
 * Schema parity: after all migrations, SQLite (migrations/) and PostgreSQL (migrations/postgres/) have
 * the same tables, the same columns with the same kind (integer or text), nullability and primary
 * keys, the same named indexes and the same triggers. A column added to one dialect only fails here:
 * the domain stores write each query once for both.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/store/database";
import { openStore } from "../../src/store/open";
import { usePostgres } from "../support/postgres";

const pg = usePostgres();
const dir = mkdtempSync(join(tmpdir(), "mawjly-schema-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** "table.column kind null|notnull [pk]", sorted. */
type Shape = { columns: string[]; indexes: string[]; triggers: string[] };

const kind = (type: string) => (/int/i.test(type) ? "integer" : /text|char/i.test(type) ? "text" : `other:${type}`);
const IGNORED = new Set(["schema_migrations"]);

function sqliteShape(): Shape {
  const db = openDatabase(dir);
  try {
    const tables = (db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[])
      .map((t) => t.name)
      .filter((t) => !IGNORED.has(t));
    const columns = tables.flatMap((table) =>
      (db.query(`PRAGMA table_info(${table})`).all() as { name: string; type: string; notnull: number; pk: number }[]).map(
        // A primary key column is never null in practice (SQLite's pragma says notnull 0 for it).
        (c) => `${table}.${c.name} ${kind(c.type)} ${c.notnull || c.pk ? "notnull" : "null"}${c.pk ? " pk" : ""}`,
      ),
    );
    const named = (type: string) =>
      (db.query("SELECT name FROM sqlite_master WHERE type = ? AND sql IS NOT NULL").all(type) as { name: string }[]).map((r) => r.name);
    return { columns: columns.sort(), indexes: named("index").sort(), triggers: named("trigger").sort() };
  } finally {
    db.close();
  }
}

async function postgresShape(): Promise<Shape> {
  const store = await openStore({ dataDir: dir, databaseUrl: await pg().freshDatabase() });
  try {
    const db = store.db;
    const rows = await db.all<{ table_name: string; column_name: string; data_type: string; is_nullable: string; pk: number }>(
      `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable,
              (SELECT COUNT(*) FROM information_schema.key_column_usage k
                 JOIN information_schema.table_constraints tc ON tc.constraint_name = k.constraint_name AND tc.table_name = k.table_name
                WHERE tc.constraint_type = 'PRIMARY KEY' AND k.table_name = c.table_name AND k.column_name = c.column_name) AS pk
         FROM information_schema.columns c WHERE c.table_schema = 'public'`,
    );
    const columns = rows
      .filter((r) => !IGNORED.has(r.table_name))
      .map((r) => `${r.table_name}.${r.column_name} ${kind(r.data_type)} ${r.is_nullable === "NO" ? "notnull" : "null"}${r.pk ? " pk" : ""}`);
    // Indexes made by PRIMARY KEY and UNIQUE constraints have no name in SQLite (sqlite_autoindex_…).
    const indexes = await db.all<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'public'
          AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))`,
    );
    const triggers = await db.all<{ trigger_name: string }>(
      "SELECT DISTINCT trigger_name FROM information_schema.triggers WHERE trigger_schema = 'public'",
    );
    return {
      columns: columns.sort(),
      indexes: indexes.map((r) => r.indexname).sort(),
      triggers: triggers.map((r) => r.trigger_name).sort(),
    };
  } finally {
    await store.close();
  }
}

test("SQLite and PostgreSQL have the same tables, columns, indexes and triggers after all migrations", async () => {
  const sqlite = sqliteShape();
  const postgres = await postgresShape();
  expect(sqlite.columns.length).toBeGreaterThan(50);
  expect(postgres.columns).toEqual(sqlite.columns);
  expect(postgres.indexes).toEqual(sqlite.indexes);
  expect(postgres.triggers).toEqual(sqlite.triggers);
});
