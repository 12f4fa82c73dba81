/**
 * Which store the integration tests run against: SQLite in each server's data directory (default),
 * or PostgreSQL with MAWJLY_TEST_STORE=postgres, when every test server (and the CLI commands run
 * against it) gets a new empty database of one throw-away PostgreSQL shared by the test process. CI
 * runs the API, dashboard and webhook tests in both modes (package.json "test:postgres").
 */
import { startPostgres, type PostgresHandle } from "./postgres";

export const TEST_STORE = process.env.MAWJLY_TEST_STORE === "postgres" ? "postgres" : "sqlite";

let shared: Promise<PostgresHandle> | undefined;

/** A new empty database for one test server (or one cluster), in PostgreSQL mode; else undefined. */
export async function testDatabaseUrl(): Promise<string | undefined> {
  if (TEST_STORE !== "postgres") return undefined;
  // Stopped by its janitor when the test process ends (test/support/postgres.ts).
  shared ??= startPostgres();
  return (await shared).freshDatabase();
}
