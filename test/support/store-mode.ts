/**
 * Which store the integration tests run against: SQLite in each server's data directory (default),
 * or PostgreSQL with MAWJLY_TEST_STORE=postgres, when every test server (and the CLI commands run
 * against it) gets a new empty database of one throw-away PostgreSQL shared by the test process. CI
 * runs the API, dashboard and webhook tests in both modes (package.json "test:postgres").
 */
import { startPostgres, type PostgresHandle } from "./postgres";

export const TEST_STORE = process.env.MAWJLY_TEST_STORE === "postgres" ? "postgres" : "sqlite";

let shared: Promise<PostgresHandle> | undefined;
/** The database of each data directory: a server started again on the same directory finds its data. */
const byDataDir = new Map<string, Promise<string>>();

/**
 * In PostgreSQL mode, the database standing in for a data directory: a new empty one the first time,
 * the same one for every later server (a restart) or cluster node on that directory. Else undefined.
 */
export async function testDatabaseUrl(dataDir?: string): Promise<string | undefined> {
  if (TEST_STORE !== "postgres") return undefined;
  // Stopped by its janitor when the test process ends (test/support/postgres.ts).
  shared ??= startPostgres();
  const pg = shared;
  if (dataDir === undefined) return (await pg).freshDatabase();
  let url = byDataDir.get(dataDir);
  if (url === undefined) byDataDir.set(dataDir, (url = pg.then((handle) => handle.freshDatabase())));
  return url;
}
