/**
 * Latency histograms, medians and table printing shared by the scenarios and the load workers.
 * The histogram is fixed-size and mergeable so each worker process records millions of samples
 * without allocating, and only its non-empty buckets cross the IPC/stdout boundary.
 */

// 10 µs resolution up to 100 ms, then 1 ms resolution up to 60 s: fine where latencies live,
// coarse only where a run has already failed its target.
const FINE_BUCKETS = 10_000;
const COARSE_BUCKETS = 59_900;

export class Histogram {
  readonly buckets = new Uint32Array(FINE_BUCKETS + COARSE_BUCKETS);
  count = 0;

  add(ms: number): void {
    const us = ms < 0 ? 0 : ms * 1000;
    const i = us < 100_000 ? Math.floor(us / 10) : FINE_BUCKETS + Math.min(COARSE_BUCKETS - 1, Math.floor((us - 100_000) / 1000));
    this.buckets[i]!++;
    this.count++;
  }

  /** Non-empty buckets as [index, count] pairs: small enough to send between processes. */
  sparse(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.buckets.length; i++) if (this.buckets[i] !== 0) out.push(i, this.buckets[i]!);
    return out;
  }

  merge(sparse: number[]): void {
    for (let j = 0; j < sparse.length; j += 2) {
      this.buckets[sparse[j]!]! += sparse[j + 1]!;
      this.count += sparse[j + 1]!;
    }
  }

  /** The upper edge of the bucket holding the p-th percentile, in ms (NaN when empty). */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i < FINE_BUCKETS ? (i + 1) / 100 : 100 + (i - FINE_BUCKETS + 1);
    }
    return NaN;
  }
}

export function median(values: number[]): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

export function fmt(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return "n/a";
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(digits);
}

export function ratio(a: number, b: number): string {
  return b === 0 || !Number.isFinite(a) || !Number.isFinite(b) ? "n/a" : `${(a / b).toFixed(2)}×`;
}

/** Prints rows as an aligned text table; the first row is the header. */
export function printTable(rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(cells[0]!));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** Wall-clock ms with sub-ms precision, comparable across processes on this machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
