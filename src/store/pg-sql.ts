/**
 * The SQL text PostgreSQL gets for a statement written once for both dialects (store/db.ts):
 * - `?` placeholders numbered `$1..$n`, outside quoted strings, quoted identifiers and comments;
 * - mixed-case words (camelCase column aliases such as `AS connectionsPeak`) quoted: PostgreSQL folds an
 *   unquoted name to lower case, SQLite keeps it. The schema's names are all lower case and keywords
 *   are written in one case, so nothing else is mixed-case.
 * Dollar-quoted bodies ($$ … $$) are not recognised: they appear only in migrations, which go through
 * `exec` unchanged.
 */

const rewritten = new Map<string, string>();

/** The SQL with `?` numbered `$1..$n`, cached per text (the statements of a process are a fixed set). */
export function numbered(sql: string): string {
  let out = rewritten.get(sql);
  if (out !== undefined) return out;
  out = rewrite(sql);
  if (rewritten.size >= 2000) rewritten.clear(); // a bound, should dynamic SQL ever be unbounded
  rewritten.set(sql, out);
  return out;
}

const WORD = /[A-Za-z0-9_$]+/y;

function rewrite(sql: string): string {
  let out = "";
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const end = skip(sql, i);
    WORD.lastIndex = i;
    const word = end > i ? null : WORD.exec(sql);
    if (end > i) {
      out += sql.slice(i, end);
      i = end;
    } else if (word) {
      const w = word[0];
      out += /^[A-Za-z_]/.test(w) && /[a-z]/.test(w) && /[A-Z]/.test(w) ? `"${w}"` : w;
      i += w.length;
    } else if (c === "?") {
      out += `$${++n}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** If a quoted string, quoted identifier or comment starts at `i`, the index just past it; else `i`. */
function skip(sql: string, i: number): number {
  const c = sql[i];
  const close = (quote: string) => {
    // A doubled quote inside is an escaped quote: the scan simply continues after the pair.
    let j = i + 1;
    for (;;) {
      const k = sql.indexOf(quote, j);
      if (k < 0) return sql.length;
      if (sql[k + 1] === quote) j = k + 2;
      else return k + 1;
    }
  };
  if (c === "'" || c === '"') return close(c);
  if (c === "-" && sql[i + 1] === "-") {
    const k = sql.indexOf("\n", i);
    return k < 0 ? sql.length : k + 1;
  }
  if (c === "/" && sql[i + 1] === "*") {
    const k = sql.indexOf("*/", i + 2);
    return k < 0 ? sql.length : k + 2;
  }
  return i;
}
