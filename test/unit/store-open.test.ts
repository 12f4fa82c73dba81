/**
 * openStore: SQLite in the data directory without a URL (openDatabase's rules), PostgreSQL with one
 * (migrated on open), one-line errors for a URL of another kind, and never a password in a message.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DB_FILE, StoreError } from "../../src/store/database";
import { StoreUnavailable } from "../../src/store/db";
import { databaseUrlOf, openStore } from "../../src/store/open";
import { freePort } from "../support/redis";
import { usePostgres } from "../support/postgres";

const root = mkdtempSync(join(tmpdir(), "mawjly-open-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const newDir = () => join(root, `d${++dirs}`);

describe("SQLite (no URL)", () => {
  test("creates and migrates the database in the data directory; answers the raw handle too", async () => {
    const dir = newDir();
    const store = await openStore({ dataDir: dir });
    try {
      expect(store.db.dialect).toBe("sqlite");
      expect(store.label).toBe(join(dir, DB_FILE));
      expect(existsSync(join(dir, DB_FILE))).toBe(true);
      expect(await store.db.get("SELECT COUNT(*) AS n FROM plans")).toEqual({ n: 4 });
      expect(store.sqlite?.query("SELECT 1 AS x").get()).toEqual({ x: 1 });
    } finally {
      await store.close();
    }
  });

  test("create: false refuses a directory without a database, and creates nothing", async () => {
    const dir = newDir();
    await expect(openStore({ dataDir: dir, create: false })).rejects.toThrow(new StoreError(`No Mawjly database in ${dir}`));
    expect(existsSync(dir)).toBe(false);
  });
});

describe("PostgreSQL (a URL)", () => {
  const pg = usePostgres();

  test("migrates the database and labels it without the password", async () => {
    const url = (await pg().freshDatabase()).replace("postgres@", "postgres:s3cret@");
    const store = await openStore({ dataDir: newDir(), databaseUrl: url });
    try {
      expect(store.db.dialect).toBe("postgres");
      expect(store.sqlite).toBeUndefined();
      expect(store.label).toBe(url.replace(":s3cret", ""));
      expect(await store.db.get("SELECT COUNT(*) AS n FROM plans")).toEqual({ n: 4 });
    } finally {
      await store.close();
    }
  });

  test("postgresql:// is accepted as well", async () => {
    const url = (await pg().freshDatabase()).replace("postgres://", "postgresql://");
    const store = await openStore({ dataDir: newDir(), databaseUrl: url });
    await store.close();
    expect(store.label.startsWith("postgresql://postgres@127.0.0.1:")).toBe(true);
  });

  test("an unreachable server is StoreUnavailable with one line naming it, not its password", async () => {
    const port = await freePort();
    const err = await openStore({ dataDir: newDir(), databaseUrl: `postgres://u:s3cret@127.0.0.1:${port}/mawjly` }).catch((e) => e);
    expect(err).toBeInstanceOf(StoreUnavailable);
    expect(err.message).toBe(`PostgreSQL at postgres://u@127.0.0.1:${port}/mawjly is unavailable: connection refused`);
  });

  test("an unknown database is StoreUnavailable with the server's reason", async () => {
    const url = pg().url.replace(/\/postgres$/, "/no_such_db");
    const err = await openStore({ dataDir: newDir(), databaseUrl: url }).catch((e) => e);
    expect(err).toBeInstanceOf(StoreUnavailable);
    expect(err.message).toBe(`PostgreSQL at ${url} is unavailable: database "no_such_db" does not exist`);
  });
});

describe("URLs of another kind", () => {
  for (const [url, message] of [
    ["mysql://root:s3cret@db/mawjly", "the database URL must start with postgres:// or postgresql:// (not mysql://)"],
    ["sqlite:///var/lib/mawjly.db", "the database URL must start with postgres:// or postgresql:// (not sqlite://)"],
    ["not a url", "the database URL is not a valid URL; expected postgres://USER:PASSWORD@HOST:5432/DATABASE"],
    ["", "the database URL is not a valid URL; expected postgres://USER:PASSWORD@HOST:5432/DATABASE"],
  ] as const) {
    test(`'${url}' is refused: ${message}`, async () => {
      await expect(openStore({ dataDir: newDir(), databaseUrl: url })).rejects.toThrow(new StoreError(message));
    });
  }
});

test("databaseUrlOf: --database-url, else MAWJLY_DATABASE_URL, empty values counting as none", () => {
  const env = { MAWJLY_DATABASE_URL: "postgres://env/db" };
  expect(databaseUrlOf({ "database-url": "postgres://flag/db" }, env)).toBe("postgres://flag/db");
  expect(databaseUrlOf({}, env)).toBe("postgres://env/db");
  expect(databaseUrlOf({ "database-url": "" }, env)).toBe("postgres://env/db");
  expect(databaseUrlOf({}, { MAWJLY_DATABASE_URL: "" })).toBeUndefined();
  expect(databaseUrlOf({}, {})).toBeUndefined();
});
