/**
 * A counter family: one monotonically increasing value per label set, kept until the process exits
 * (Prometheus detects the reset on restart). The number of label sets is capped, because every one
 * becomes a time series in the scraper: a caller passing a raw URL or user input as a label would
 * otherwise grow memory and the scraper's storage without bound.
 */
import type { Family, Sample } from "./exposition";

export const MAX_SERIES_PER_FAMILY = 10_000;

export class Counter {
  private readonly series = new Map<string, Sample>();
  private warned = false;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}

  /** Adds `by` (≥ 0) to the series of `labels`; a label missing from `labels` is left out of the line. */
  inc(labels: Readonly<Record<string, string | undefined>>, by = 1): void {
    if (!(by >= 0)) return; // counters never go down; NaN and negatives are dropped
    const key = JSON.stringify(this.labelNames.map((n) => labels[n] ?? null));
    const sample = this.series.get(key);
    if (sample !== undefined) {
      sample.value += by;
      return;
    }
    if (this.series.size >= MAX_SERIES_PER_FAMILY) return this.warnOnce();
    const ordered: Record<string, string> = {};
    for (const n of this.labelNames) {
      const value = labels[n];
      if (value !== undefined) ordered[n] = value;
    }
    this.series.set(key, { labels: ordered, value: by });
  }

  get(labels: Readonly<Record<string, string | undefined>>): number {
    return this.series.get(JSON.stringify(this.labelNames.map((n) => labels[n] ?? null)))?.value ?? 0;
  }

  family(): Family {
    return { name: this.name, help: this.help, type: "counter", samples: this.series.values() };
  }

  private warnOnce(): void {
    if (this.warned) return;
    this.warned = true;
    console.warn(`mawjly: metric ${this.name} reached ${MAX_SERIES_PER_FAMILY} label sets; new ones are dropped`);
  }
}
