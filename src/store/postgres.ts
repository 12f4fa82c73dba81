/**
 * The store port (db.ts) over PostgreSQL, with Bun's built-in client (`SQL` from "bun"): a small pool,
 * prepared statements, automatic reconnection (a pool connection that died is replaced on the next
 * query, so the store recovers by itself when the server comes back).
 *
 * What it adds to the client, so that a domain store written once behaves the same on both dialects:
 * - `?` placeholders and camelCase aliases, rewritten once per SQL text (store/pg-sql.ts).
 * - Integers as JS numbers: Bun answers BIGINT (int8: COUNT, our ms timestamps) and NUMERIC (SUM of a
 *   BIGINT) as strings; columns of those types, known from the result's column OIDs (never guessed
 *   from a value: an app id may well be all digits), are converted. A bool column (`EXISTS (…) AS x`)
 *   answers 1/0, as on SQLite.
 * - Booleans as 0/1 parameters, as bun:sqlite binds them (the columns are integers on both).
 * - A database that cannot be reached (refused, timed out, authentication refused, server shutting
 *   down mid-query) is a `StoreUnavailable` naming the server without its password; a query error
 *   (constraint, bad SQL) is left as Bun's PostgresError (`isUniqueViolation` in db.ts reads it).
 */
import { SQL } from "bun";
import { StoreUnavailable, type Db, type Param } from "./db";
import { numbered } from "./pg-sql";

export interface PostgresOptions {
  /** Pool size; default 10 (a node needs few: statements are short and the event loop is one). */
  max?: number;
  /** Seconds to establish a connection before the store answers unavailable; default 5. */
  connectionTimeout?: number;
  /**
   * Milliseconds a statement (or a whole transaction, twice as long) may take before the store answers
   * unavailable; default 10,000. A server that goes silent (host lost, network cut) otherwise leaves
   * a query waiting until the kernel gives up on the connection, a quarter of an hour.
   */
  queryTimeoutMs?: number;
}

/** What Bun's unsafe() takes and answers, for the pool, a transaction and a reserved connection alike. */
type Handle = Pick<SQL, "unsafe">;
type Begin = <T>(fn: (tx: Handle) => Promise<T>) => Promise<T>;
type Result = Record<string, unknown>[] & { columns?: { name: string; type: number }[] | null; affectedRows?: number };

// PostgreSQL type OIDs converted to numbers: Bun answers int8 and numeric as strings, and bool (a
// comparison or EXISTS in a select list) as true/false where SQLite answers 1/0.
const BOOL = 16;
const INT8 = 20;
const NUMERIC = 1700;

/** `postgres://user@host:port/db`: the URL without password and query (which may carry one). */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : "";
    return `${u.protocol}//${user}${u.host}${u.pathname}`;
  } catch {
    return "postgres://(unparsable URL)";
  }
}

export class PostgresDb implements Db {
  readonly dialect = "postgres" as const;
  /** The server, for messages: never the password. */
  readonly label: string;
  private readonly sql: SQL;
  private readonly session: Session;

  constructor(url: string, options: PostgresOptions = {}) {
    this.label = describePostgresUrl(url);
    this.sql = new SQL({
      url,
      max: options.max ?? 10,
      connectionTimeout: options.connectionTimeout ?? 5,
      idleTimeout: 60,
    });
    this.timeoutMs = options.queryTimeoutMs ?? 10_000;
    this.session = new Session(this.sql, (fn) => this.sql.begin(fn), this.label, this.timeoutMs);
  }

  private readonly timeoutMs: number;

  all<T>(sql: string, params?: readonly Param[]): Promise<T[]> {
    return this.session.all<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    return this.session.get<T>(sql, params);
  }
  run(sql: string, params?: readonly Param[]): Promise<number> {
    return this.session.run(sql, params);
  }
  exec(sql: string): Promise<void> {
    return this.session.exec(sql);
  }
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.session.transaction(fn);
  }

  /**
   * Runs `fn` on one connection held for it alone (session state such as an advisory lock stays with
   * it); its `transaction` is a transaction on that connection.
   */
  async reserved<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    let conn: Awaited<ReturnType<SQL["reserve"]>>;
    try {
      conn = await this.sql.reserve();
    } catch (err) {
      throw unavailable(err, this.label);
    }
    try {
      return await fn(new Session(conn, (f) => conn.begin(f), this.label, this.timeoutMs));
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    await this.sql.close({ timeout: 5 });
  }
}

/** The executor over one Bun handle. Inside a transaction `begin` is absent: a nested call joins. */
class Session implements Db {
  readonly dialect = "postgres" as const;

  constructor(
    private readonly handle: Handle,
    private readonly begin: Begin | undefined,
    private readonly label: string,
    private readonly timeoutMs: number,
  ) {}

  async all<T>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    return numbers(await this.query(sql, params)) as T[];
  }

  async get<T>(sql: string, params: readonly Param[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params: readonly Param[] = []): Promise<number> {
    return (await this.query(sql, params)).affectedRows ?? 0;
  }

  async exec(sql: string): Promise<void> {
    try {
      const query = this.handle.unsafe(sql).simple();
      await within(query, this.timeoutMs, () => query.cancel(), this.label);
    } catch (err) {
      throw unavailable(err, this.label);
    }
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    if (this.begin === undefined) return fn(this);
    // Deadlines: `fn`'s statements have their own; getting a connection and BEGIN, and COMMIT or
    // ROLLBACK, have one each. Not the whole: a long transaction (store copy, a migration) may take
    // as long as its statements do.
    let abandoned = false;
    let started!: () => void;
    let ended!: () => void;
    const start = new Promise<void>((resolve) => (started = resolve));
    const end = new Promise<void>((resolve) => (ended = resolve));
    const run = this.begin(async (tx) => {
      // Given up while waiting for a connection: the caller was told nothing happened, so nothing may.
      if (abandoned) throw new StoreUnavailable(`PostgreSQL at ${this.label} is unavailable: no connection in time`);
      started();
      try {
        return await fn(new Session(tx, undefined, this.label, this.timeoutMs));
      } finally {
        ended();
      }
    });
    run.catch(() => {}); // answered below, or abandoned
    try {
      await Promise.race([run, within(start, this.timeoutMs, () => (abandoned = true), this.label)]);
      await Promise.race([run, end]);
      return await within(run, this.timeoutMs, () => {}, this.label);
    } catch (err) {
      throw unavailable(err, this.label);
    }
  }

  async close(): Promise<void> {
    throw new Error("close() on a transaction or reserved connection; close the PostgresDb");
  }

  private async query(sql: string, params: readonly Param[]): Promise<Result> {
    try {
      const query = this.handle.unsafe(numbered(sql), params.map(bindable));
      return (await within(query, this.timeoutMs, () => query.cancel(), this.label)) as Result;
    } catch (err) {
      throw unavailable(err, this.label);
    }
  }
}

/** `work`, or StoreUnavailable once `ms` have passed (then `cancel` is asked to stop it). */
function within<T>(work: PromiseLike<T>, ms: number, cancel: () => void, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      try {
        cancel();
      } catch {
        // already finished or not cancellable: the answer is the same
      }
      reject(new StoreUnavailable(`PostgreSQL at ${label} is unavailable: no answer within ${ms / 1000} s`));
    }, ms);
  });
  return Promise.race([Promise.resolve(work), late]).finally(() => clearTimeout(timer));
}

const bindable = (p: Param): Param => (typeof p === "boolean" ? (p ? 1 : 0) : p);

/** The rows as a plain array (Bun's carries result metadata), int8, numeric and bool columns as numbers. */
function numbers(result: Result): Record<string, unknown>[] {
  const rows = [...result];
  const convert = (result.columns ?? []).filter((c) => c.type === INT8 || c.type === NUMERIC || c.type === BOOL).map((c) => c.name);
  if (convert.length === 0) return rows;
  for (const row of rows) {
    for (const name of convert) {
      const value = row[name];
      if (typeof value === "string" || typeof value === "bigint") row[name] = Number(value);
      else if (typeof value === "boolean") row[name] = value ? 1 : 0;
    }
  }
  return rows;
}

// Bun's codes for a connection that could not be made or was lost.
const CONNECTION_CODES: Record<string, string> = {
  ERR_POSTGRES_CONNECTION_REFUSED: "connection refused",
  ERR_POSTGRES_CONNECTION_TIMEOUT: "connection timed out",
  ERR_POSTGRES_CONNECTION_FAILED: "connection failed",
  ERR_POSTGRES_CONNECTION_CLOSED: "connection closed",
  ERR_POSTGRES_IDLE_TIMEOUT: "connection closed",
  ERR_POSTGRES_LIFETIME_TIMEOUT: "connection closed",
  ERR_POSTGRES_TLS_NOT_AVAILABLE: "the server does not offer TLS",
  ERR_POSTGRES_TLS_UPGRADE_FAILED: "TLS negotiation failed",
};

/**
 * SQLSTATE classes and codes the server sends when it will not serve us: connection exceptions (08),
 * authentication (28), unknown database (3D000), too many connections (53300), shutting down or
 * starting up (57P01-57P03).
 */
function refusedByServer(sqlstate: string): boolean {
  return /^(08|28)/.test(sqlstate) || ["3D000", "53300", "57P01", "57P02", "57P03"].includes(sqlstate);
}

/** The StoreUnavailable for a connection failure; any other error unchanged. */
export function unavailable(err: unknown, label: string): unknown {
  if (!(err instanceof Error) || err instanceof StoreUnavailable) return err;
  const { code, errno } = err as Error & { code?: string; errno?: string };
  let reason: string | undefined;
  if (code !== undefined && code in CONNECTION_CODES) reason = CONNECTION_CODES[code];
  else if (code !== undefined && /SASL|AUTHENTICATION|SERVER_KEY|SERVER_SIGNATURE|CHANNEL_BINDING/.test(code)) reason = "authentication failed";
  else if (typeof errno === "string" && refusedByServer(errno)) reason = err.message;
  if (reason === undefined) return err;
  return new StoreUnavailable(`PostgreSQL at ${label} is unavailable: ${reason}`, { cause: err });
}
