/**
 * The store port: one small asynchronous SQL executor with a SQLite implementation (store/sqlite.ts,
 * bun:sqlite in the data directory) and a PostgreSQL one (store/postgres.ts, Bun's SQL client). The
 * domain stores (apps, accounts, webhooks, usage) write their SQL once against this port, with `?`
 * placeholders; where the dialects differ (a scalar MAX, an upsert's arithmetic) they read `dialect`.
 *
 * Why an executor and not a store interface per domain with two classes each: the two schemas are the
 * same tables and columns (migrations per dialect keep them so), so one class per domain stays the
 * only place its queries live, and a new query cannot be forgotten in the second implementation.
 *
 * Conventions both implementations keep:
 * - Integers come back as JS numbers (PostgreSQL's BIGINT and COUNT included), booleans are stored as
 *   0/1 integers, times as ISO text or milliseconds since the epoch.
 * - `run` answers the number of rows changed; `INSERT … RETURNING` goes through `get`/`all`.
 * - `transaction` runs `fn` alone: on SQLite no other statement of this process interleaves (a
 *   BEGIN IMMEDIATE under a queue), on PostgreSQL it holds one pooled connection.
 */

export type Dialect = "sqlite" | "postgres";
export type Param = string | number | boolean | null;

export interface Db {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly Param[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  /** Runs a write; answers the number of rows it changed. */
  run(sql: string, params?: readonly Param[]): Promise<number>;
  /** Several statements, as written (migrations). No parameters. */
  exec(sql: string): Promise<void>;
  /** Commits when `fn` resolves, rolls back when it throws (and rethrows). Inside one, `tx.transaction` joins it. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * The database cannot be reached (PostgreSQL down, connection refused or timed out). Edges answer
 * 503 with this message; nothing was written. Not used for constraint errors or bad SQL.
 */
export class StoreUnavailable extends Error {
  override name = "StoreUnavailable";
}

/**
 * `IN (?, ?, …)` for a list (both dialects; an empty list matches nothing). The list is padded to a
 * power of two by repeating its last value, which changes no IN or NOT IN answer: each distinct SQL
 * text is a prepared statement that PostgreSQL keeps per pooled connection (and a slot in
 * bun:sqlite's small statement cache), so lists of any length 1–1000 must not make 1000 of them.
 */
export function inList(values: readonly Param[]): { sql: string; params: readonly Param[] } {
  if (values.length === 0) return { sql: "(NULL)", params: [] };
  let size = 1;
  while (size < values.length) size *= 2;
  const params = values.length === size ? values : [...values, ...new Array<Param>(size - values.length).fill(values.at(-1)!)];
  return { sql: `(${new Array(size).fill("?").join(", ")})`, params };
}

/**
 * Whether `err` is a unique or primary-key constraint violation, on either dialect (services answer
 * 409 for it): SQLSTATE 23505 from PostgreSQL, SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY from bun:sqlite.
 */
export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { code, errno } = err as Error & { code?: unknown; errno?: unknown };
  return errno === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
