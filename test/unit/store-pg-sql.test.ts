/** The SQL rewriting for PostgreSQL (store/pg-sql.ts): placeholders and mixed-case aliases. */
import { expect, test } from "bun:test";
import { numbered } from "../../src/store/pg-sql";

test("? becomes $1..$n in order", () => {
  expect(numbered("SELECT * FROM apps WHERE id = ? AND account_id IN (?, ?) LIMIT ?")).toBe(
    "SELECT * FROM apps WHERE id = $1 AND account_id IN ($2, $3) LIMIT $4",
  );
});

test("a ? inside a string (with doubled quotes), a quoted identifier or a comment stays", () => {
  expect(numbered("SELECT '?', 'it''s ?', \"odd?name\" FROM t WHERE a = ? -- why?\nAND b = ? /* ? */ AND c = ?")).toBe(
    "SELECT '?', 'it''s ?', \"odd?name\" FROM t WHERE a = $1 -- why?\nAND b = $2 /* ? */ AND c = $3",
  );
});

test("mixed-case words are quoted; lower and upper case words, numbers and quoted names are not", () => {
  expect(numbered("SELECT MAX(connections_peak) AS connectionsPeak, CAST(x AS REAL) AS minuteAvgSum, 1e5, \"keptAsIs\" FROM usage_minutes u")).toBe(
    'SELECT MAX(connections_peak) AS "connectionsPeak", CAST(x AS REAL) AS "minuteAvgSum", 1e5, "keptAsIs" FROM usage_minutes u',
  );
});

test("an unterminated string or comment runs to the end (PostgreSQL then reports the syntax error)", () => {
  expect(numbered("SELECT ? WHERE x = 'open ?")).toBe("SELECT $1 WHERE x = 'open ?");
  expect(numbered("SELECT ? /* open ?")).toBe("SELECT $1 /* open ?");
});

test("the same text answers the same rewriting (cached)", () => {
  const sql = "SELECT id AS appId FROM apps WHERE id = ?";
  expect(numbered(sql)).toBe(numbered(sql));
  expect(numbered(sql)).toBe('SELECT id AS "appId" FROM apps WHERE id = $1');
});
