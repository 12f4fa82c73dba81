/**
 * A store port (store/db.ts) that passes every statement through to a real one and records its SQL,
 * inside transactions too, so a test can tell how many statements a write took and in which order.
 * `holdNext` keeps the next statement matching a pattern waiting until released: a test can then do
 * something while a transaction is in the middle of committing.
 */
import type { Db, Param } from "../../src/store/db";

interface Shared {
  sql: string[];
  hold?: { match: RegExp; reached: () => void; released: Promise<void> };
}

export class RecordingDb implements Db {
  constructor(
    readonly inner: Db,
    private readonly shared: Shared = { sql: [] },
  ) {}

  get dialect() {
    return this.inner.dialect;
  }

  /** Every statement so far, in order. */
  get statements(): readonly string[] {
    return this.shared.sql;
  }

  /** The next statement matching `match` waits for `release`; `reached` settles once it is waiting. */
  holdNext(match: RegExp): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const isReached = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.shared.hold = { match, reached, released };
    return { reached: isReached, release };
  }

  private async see(sql: string): Promise<void> {
    this.shared.sql.push(sql);
    const hold = this.shared.hold;
    if (hold === undefined || !hold.match.test(sql)) return;
    this.shared.hold = undefined;
    hold.reached();
    await hold.released;
  }

  async all<T>(sql: string, params?: readonly Param[]): Promise<T[]> {
    await this.see(sql);
    return this.inner.all<T>(sql, params);
  }
  async get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    await this.see(sql);
    return this.inner.get<T>(sql, params);
  }
  async run(sql: string, params?: readonly Param[]): Promise<number> {
    await this.see(sql);
    return this.inner.run(sql, params);
  }
  async exec(sql: string): Promise<void> {
    await this.see(sql);
    return this.inner.exec(sql);
  }
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(new RecordingDb(tx, this.shared)));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
