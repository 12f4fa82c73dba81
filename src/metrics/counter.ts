/**
 * A counter family: one monotonically increasing value per label set, kept until the process exits
 * (Prometheus detects the reset on restart). The number of label sets is capped, because every one
 * becomes a time series in the scraper: a caller passing a raw URL or user input as a label would
 * otherwise grow memory and the scraper's storage without bound.
 */
import type { Family, Sample } from "./exposition";

export const MAX_SERIES_PER_FAMILY = 10_000;

/**
 * The map key of a label set: each value length-prefixed (so no value can forge a separator) and a
 * missing label marked apart from an empty one. Runs per HTTP request and per published message, where
 * JSON.stringify of a mapped array cost more than the rest of the counting.
 */
export function seriesKey(labelNames: readonly string[], labels: Readonly<Record<string, string | undefined>>): string {
  let key = "";
  for (let i = 0; i < labelNames.length; i++) {
    const value = labels[labelNames[i]!];
    key += value === undefined ? "-|" : `${value.length}:${value}|`;
  }
  return key;
}

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
    const sample = this.sample(labels);
    if (sample !== undefined) sample.value += by;
  }

  /**
   * The series of `labels`, created at 0 when new; undefined once the family is full. Callers that
   * count the same labels on a hot path keep it and add to `value` (never a negative amount).
   */
  sample(labels: Readonly<Record<string, string | undefined>>): Sample | undefined {
    const key = seriesKey(this.labelNames, labels);
    const found = this.series.get(key);
    if (found !== undefined) return found;
    if (this.series.size >= MAX_SERIES_PER_FAMILY) {
      this.warnOnce();
      return undefined;
    }
    const ordered: Record<string, string> = {};
    for (const n of this.labelNames) {
      const value = labels[n];
      if (value !== undefined) ordered[n] = value;
    }
    const sample = { labels: ordered, value: 0 };
    this.series.set(key, sample);
    return sample;
  }

  get(labels: Readonly<Record<string, string | undefined>>): number {
    return this.series.get(seriesKey(this.labelNames, labels))?.value ?? 0;
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
