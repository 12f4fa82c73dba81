/**
 * A migrated store on a new database of a test file's PostgreSQL (usePostgres), for a test that needs
 * PostgreSQL itself (its snapshots, its prepared statements), not one run per dialect (describeStores).
 * Closed, and its data directory removed, when `fn` ends, also when it throws.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/open";
import type { PostgresHandle } from "./postgres";

export async function withPostgresStore<T>(pg: () => PostgresHandle, fn: (store: Store) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-store-"));
  const store = await openStore({ dataDir: dir, databaseUrl: await pg().freshDatabase() });
  try {
    return await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
