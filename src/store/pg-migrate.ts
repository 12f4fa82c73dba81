/**
 * The PostgreSQL migration runner: the same rules as the SQLite one (store/database.ts) — pending
 * migrations in order, each in its own transaction, recorded in schema_migrations, a database written
 * by a newer build refused — and one more, because several nodes share this database and often start
 * together: the whole run holds a session advisory lock on one reserved connection, so exactly one
 * node migrates and the others wait, then find nothing to do.
 */
import { StoreError } from "./database";
import type { Db } from "./db";
import { POSTGRES_MIGRATIONS } from "./migrations";
import type { Migration } from "./migrations";
import type { PostgresDb } from "./postgres";

/** The advisory lock key of the migration run (any constant; "mawjly" in ASCII). */
const LOCK_KEY = 0x6d61776a6c79;

/** Applies pending migrations; answers those applied (empty when another node did it first). */
export async function migratePostgres(db: PostgresDb, migrations: readonly Migration[] = POSTGRES_MIGRATIONS): Promise<Migration[]> {
  return db.reserved(async (conn) => {
    await conn.get("SELECT pg_advisory_lock(?)", [LOCK_KEY]);
    try {
      return await migrateLocked(conn, migrations);
    } finally {
      await conn.get("SELECT pg_advisory_unlock(?)", [LOCK_KEY]);
    }
  });
}

async function migrateLocked(conn: Db, migrations: readonly Migration[]): Promise<Migration[]> {
  await conn.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const applied: Migration[] = [];
  for (const migration of migrations) {
    const ran = await conn.transaction(async (tx) => {
      if (await tx.get("SELECT 1 FROM schema_migrations WHERE version = ?", [migration.version])) return false;
      await tx.exec(migration.sql);
      await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      return true;
    });
    if (ran) applied.push(migration);
  }
  const newest = await conn.get<{ v: number | null }>("SELECT MAX(version) AS v FROM schema_migrations");
  const known = migrations.at(-1)?.version ?? 0;
  if ((newest?.v ?? 0) > known) {
    throw new StoreError(
      `The database was written by a newer Mawjly (schema ${newest?.v}, this build knows ${known}); upgrade Mawjly`,
    );
  }
  return applied;
}
