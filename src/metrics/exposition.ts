/**
 * The Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-format-details): one `# HELP`
 * and one `# TYPE` line per metric family, then one line per sample, every line ending in "\n".
 */

/** The Content-Type a scraper expects for this format. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge" | "histogram";
export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels: Labels;
  value: number;
  /** Appended to the family name: a histogram's `_bucket`, `_sum` and `_count` lines. */
  suffix?: string;
}

export interface Family {
  /** Matches [a-zA-Z_:][a-zA-Z0-9_:]*; ours are constants, so they are not checked here. */
  name: string;
  help: string;
  type: MetricType;
  samples: Iterable<Sample>;
}

/** Label values escape backslash, double quote and line feed as \\, \" and \n (the spec's three). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escapes only backslash and line feed; a double quote stays as it is. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Go's ParseFloat spellings for the special values; integers and decimals as JavaScript writes them. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

export function renderFamily(family: Family): string {
  let text = `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
  for (const sample of family.samples) {
    text += `${family.name}${sample.suffix ?? ""}${formatLabels(sample.labels)} ${formatValue(sample.value)}\n`;
  }
  return text;
}

export function renderFamilies(families: Iterable<Family>): string {
  let text = "";
  for (const family of families) text += renderFamily(family);
  return text;
}
