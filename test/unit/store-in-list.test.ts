/**
 * inList pads a list to a power of two by repeating its last value: lists of 1–1000 values make 11
 * SQL texts, not 1000 (each text is a prepared statement PostgreSQL keeps per pooled connection),
 * and the padding changes no IN or NOT IN answer, on either dialect.
 */
import { expect, test } from "bun:test";
import { inList } from "../../src/store/db";
import { describeStores } from "../support/postgres";

test("lengths 1–1000 give 11 texts; params are the values, then the last one repeated", () => {
  const texts = new Set<string>();
  for (let n = 1; n <= 1000; n++) {
    const values = Array.from({ length: n }, (_, i) => i);
    const { sql, params } = inList(values);
    texts.add(sql);
    expect(sql.split("?").length - 1).toBe(params.length);
    expect(params.slice(0, n)).toEqual(values);
    expect(new Set(params.slice(n))).toEqual(n === params.length ? new Set() : new Set([n - 1]));
  }
  expect(texts.size).toBe(11);
  expect(inList([])).toEqual({ sql: "(NULL)", params: [] });
  expect(inList(["a", "b", "c"])).toEqual({ sql: "(?, ?, ?, ?)", params: ["a", "b", "c", "c"] });
});

describeStores("inList", (fresh) => {
  test("a padded list selects, excludes and deletes exactly what the list names", async () => {
    const { db } = await fresh();
    const stamp = new Date().toISOString();
    for (const id of ["a", "b", "c", "d", "e"]) await db.run("INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", [id, id, stamp, stamp]);
    const ids = async (where: string, list: ReturnType<typeof inList>) =>
      (await db.all<{ id: string }>(`SELECT id FROM apps WHERE id ${where} ${list.sql} ORDER BY id`, list.params)).map((r) => r.id);
    expect(await ids("IN", inList(["b", "c", "d"]))).toEqual(["b", "c", "d"]);
    expect(await ids("NOT IN", inList(["b", "c", "d"]))).toEqual(["a", "e"]);
    const gone = inList(["a", "e", "x"]);
    expect(await db.run(`DELETE FROM apps WHERE id IN ${gone.sql}`, gone.params)).toBe(2);
    expect(await ids("IN", inList(["a", "b", "c", "d", "e"]))).toEqual(["b", "c", "d"]);
  });
});
