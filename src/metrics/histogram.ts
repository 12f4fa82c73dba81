/**
 * A histogram family (https://prometheus.io/docs/concepts/metric_types/#histogram): per label set,
 * cumulative `_bucket{le="…"}` counts ending in `le="+Inf"`, then `_sum` and `_count`. Like Counter,
 * the number of label sets is capped, because each one is 14 time series in the scraper.
 */
import { MAX_SERIES_PER_FAMILY, seriesKey } from "./counter";
import { formatValue, type Family, type Sample } from "./exposition";

/** The client libraries' default buckets, in seconds: 5 ms to 10 s, fit for request durations. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One label set's observations; opaque to callers (see seriesOf). */
export type HistogramSeries = Series;

interface Series {
  labels: Record<string, string>;
  /** Observations per bucket, not cumulative; the last slot holds those above every bound. */
  counts: number[];
  sum: number;
}

export class Histogram {
  private readonly series = new Map<string, Series>();
  private warned = false;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {}

  /** Records one observation; NaN is dropped (it would poison `_sum` for good). */
  observe(labels: Readonly<Record<string, string | undefined>>, value: number): void {
    this.record(this.seriesOf(labels), value);
  }

  /**
   * The series of `labels`, created empty when new; undefined once the family is full. A caller that
   * observes the same labels on a hot path keeps it and passes it to `record`.
   */
  seriesOf(labels: Readonly<Record<string, string | undefined>>): HistogramSeries | undefined {
    return this.find(labels);
  }

  record(series: HistogramSeries | undefined, value: number): void {
    if (series === undefined || Number.isNaN(value)) return;
    let slot = 0;
    while (slot < this.buckets.length && !(value <= this.buckets[slot]!)) slot++;
    series.counts[slot]! += 1;
    series.sum += value;
  }

  family(): Family {
    return { name: this.name, help: this.help, type: "histogram", samples: this.samples() };
  }

  private *samples(): Iterable<Sample> {
    for (const { labels, counts, sum } of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += counts[i]!;
        yield { suffix: "_bucket", labels: { ...labels, le: formatValue(this.buckets[i]!) }, value: cumulative };
      }
      cumulative += counts[this.buckets.length]!;
      yield { suffix: "_bucket", labels: { ...labels, le: "+Inf" }, value: cumulative };
      yield { suffix: "_sum", labels, value: sum };
      yield { suffix: "_count", labels, value: cumulative };
    }
  }

  private find(labels: Readonly<Record<string, string | undefined>>): Series | undefined {
    const key = seriesKey(this.labelNames, labels);
    const found = this.series.get(key);
    if (found !== undefined) return found;
    if (this.series.size >= MAX_SERIES_PER_FAMILY) {
      if (!this.warned) console.warn(`mawjly: metric ${this.name} reached ${MAX_SERIES_PER_FAMILY} label sets; new ones are dropped`);
      this.warned = true;
      return undefined;
    }
    const ordered: Record<string, string> = {};
    for (const n of this.labelNames) if (labels[n] !== undefined) ordered[n] = labels[n]!;
    const series = { labels: ordered, counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0 };
    this.series.set(key, series);
    return series;
  }
}
