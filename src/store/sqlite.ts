/**
 * The store port (db.ts) over bun:sqlite. Statements run synchronously underneath (bun:sqlite caches
 * the compiled statement per SQL text); the port's promises are already settled when returned, so the
 * single-node path costs a microtask, not a thread hop.
 *
 * Transactions: BEGIN IMMEDIATE (a deferred read-then-write transaction fails under a second writer,
 * DEVELOPERS.md). Because `fn` is asynchronous, another caller of this process could otherwise slip a
 * statement into the open transaction between two awaits; every statement outside the transaction
 * therefore waits until it ends.
 */
import type { Database } from "bun:sqlite";
import type { Db, Param } from "./db";

export class SqliteDb implements Db {
  readonly dialect = "sqlite" as const;
  /** Settles when the open transaction ends. */
  private open: Promise<void> | undefined;
  private readonly inside: Db;

  constructor(readonly raw: Database) {
    this.inside = new Inside(raw);
  }

  async all<T>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    while (this.open !== undefined) await this.open;
    return this.raw.query(sql).all(...(params as Param[])) as T[];
  }

  async get<T>(sql: string, params: readonly Param[] = []): Promise<T | undefined> {
    while (this.open !== undefined) await this.open;
    return (this.raw.query(sql).get(...(params as Param[])) as T | null) ?? undefined;
  }

  async run(sql: string, params: readonly Param[] = []): Promise<number> {
    while (this.open !== undefined) await this.open;
    return this.raw.query(sql).run(...(params as Param[])).changes;
  }

  async exec(sql: string): Promise<void> {
    while (this.open !== undefined) await this.open;
    this.raw.exec(sql);
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    while (this.open !== undefined) await this.open;
    let end!: () => void;
    this.open = new Promise((resolve) => (end = resolve));
    try {
      this.raw.exec("BEGIN IMMEDIATE");
      try {
        const out = await fn(this.inside);
        this.raw.exec("COMMIT");
        return out;
      } catch (err) {
        if (this.raw.inTransaction) this.raw.exec("ROLLBACK");
        throw err;
      }
    } finally {
      this.open = undefined;
      end();
    }
  }

  async close(): Promise<void> {
    while (this.open !== undefined) await this.open;
    this.raw.close();
  }
}

/** The connection as seen from inside a transaction: statements run at once; a nested transaction joins. */
class Inside implements Db {
  readonly dialect = "sqlite" as const;
  constructor(private readonly raw: Database) {}
  async all<T>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    return this.raw.query(sql).all(...(params as Param[])) as T[];
  }
  async get<T>(sql: string, params: readonly Param[] = []): Promise<T | undefined> {
    return (this.raw.query(sql).get(...(params as Param[])) as T | null) ?? undefined;
  }
  async run(sql: string, params: readonly Param[] = []): Promise<number> {
    return this.raw.query(sql).run(...(params as Param[])).changes;
  }
  async exec(sql: string): Promise<void> {
    this.raw.exec(sql);
  }
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async close(): Promise<void> {
    throw new Error("close() inside a transaction");
  }
}
