/**
 * The PostgreSQL migrations: listed file by file like the SQLite ones (migrations.test.ts), applied
 * once and recorded, a newer database refused, and several nodes opening one fresh database at once
 * migrate it exactly once (the advisory lock in store/pg-migrate.ts).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { StoreError } from "../../src/store/database";
import { POSTGRES_MIGRATIONS } from "../../src/store/migrations";
import { openStore } from "../../src/store/open";
import { migratePostgres } from "../../src/store/pg-migrate";
import { PostgresDb } from "../../src/store/postgres";
import { usePostgres } from "../support/postgres";

const DIR = join(import.meta.dir, "..", "..", "migrations", "postgres");
const files = readdirSync(DIR).filter((f) => f.endsWith(".sql")).sort();

test("every file in migrations/postgres/ is listed, in order, with its number as version and its exact SQL", () => {
  expect(files.length).toBeGreaterThan(0);
  expect(POSTGRES_MIGRATIONS.map((m) => m.name)).toEqual(files);
  POSTGRES_MIGRATIONS.forEach((m, i) => {
    expect(m.version).toBe(i + 1);
    expect(Number(m.name.slice(0, 4))).toBe(m.version);
    expect(m.sql).toBe(readFileSync(join(DIR, m.name), "utf8"));
  });
  files.forEach((f, i) => expect(f).toMatch(new RegExp(`^${String(i + 1).padStart(4, "0")}_[a-z0-9_]+\\.sql$`)));
});

describe("on PostgreSQL", () => {
  const pg = usePostgres();
  const versions = POSTGRES_MIGRATIONS.map((m) => ({ version: m.version, name: m.name }));

  async function fresh(): Promise<PostgresDb> {
    return new PostgresDb(await pg().freshDatabase());
  }

  test("a fresh database gets every migration, recorded; a second run is a no-op", async () => {
    const db = await fresh();
    try {
      expect((await migratePostgres(db)).map((m) => m.version)).toEqual(versions.map((v) => v.version));
      expect(await db.all("SELECT version, name FROM schema_migrations ORDER BY version")).toEqual(versions);
      for (const { applied_at } of await db.all<{ applied_at: string }>("SELECT applied_at FROM schema_migrations")) {
        expect(Number.isNaN(Date.parse(applied_at))).toBe(false);
      }
      expect(await db.all("SELECT id FROM plans ORDER BY id")).toEqual(
        ["business", "free", "startup", "unlimited"].map((id) => ({ id })),
      );
      expect(await migratePostgres(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  test("only pending migrations run on an older database", async () => {
    const db = await fresh();
    try {
      const first = POSTGRES_MIGRATIONS.slice(0, 1);
      expect((await migratePostgres(db, first)).map((m) => m.version)).toEqual([1]);
      expect((await migratePostgres(db)).map((m) => m.version)).toEqual(POSTGRES_MIGRATIONS.slice(1).map((m) => m.version));
    } finally {
      await db.close();
    }
  });

  test("a failing migration leaves nothing behind and is not recorded", async () => {
    const db = await fresh();
    try {
      const broken = [{ version: 1, name: "0001_broken.sql", sql: "CREATE TABLE half (x BIGINT); SELECT no_such_column FROM half;" }];
      await expect(migratePostgres(db, broken)).rejects.toThrow('column "no_such_column" does not exist');
      expect(await db.get("SELECT to_regclass('half') AS t")).toEqual({ t: null });
      expect(await db.all("SELECT version FROM schema_migrations")).toEqual([]);
    } finally {
      await db.close();
    }
  });

  test("a database written by a newer build is refused with the SQLite runner's message", async () => {
    const db = await fresh();
    try {
      await migratePostgres(db);
      const next = POSTGRES_MIGRATIONS.length + 1;
      await db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', 'now')", [next]);
      await expect(migratePostgres(db)).rejects.toThrow(
        new StoreError(
          `The database was written by a newer Mawjly (schema ${next}, this build knows ${POSTGRES_MIGRATIONS.length}); upgrade Mawjly`,
        ),
      );
    } finally {
      await db.close();
    }
  });

  test("three nodes opening one fresh database together migrate it exactly once", async () => {
    const url = await pg().freshDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => openStore({ dataDir: "/nonexistent", databaseUrl: url })));
    try {
      const db = stores[0]!.db;
      expect(await db.all("SELECT version, name FROM schema_migrations ORDER BY version")).toEqual(versions);
      // Seeded once: a second run of 0001 would have failed on the plans' primary key anyway, and
      // would have made one of the opens reject.
      expect(await db.get("SELECT COUNT(*) AS n FROM plans")).toEqual({ n: 4 });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
