/**
 * Prometheus metrics for /metrics: per-app counters fed by the lifecycle bus and by the HTTP layer
 * (see http.ts), a request-duration histogram, live gauges read from the engine and the webhook
 * outbox at scrape time, and the two standard process gauges. Labels are app ids, fixed kinds, route
 * templates, methods and status codes only, so the number of series stays bounded by the number of
 * apps (https://prometheus.io/docs/practices/naming/#labels).
 *
 * No gauge is named like a counter without its `_total`: OpenMetrics names the counter family
 * `x_total` as `x`, so a gauge `x` beside it is a clash that scrapers reject. That is why the counter of
 * opened connections is `mawjly_connections_opened_total` beside the gauge `mawjly_connections`.
 */
import type { LifecycleBus } from "../engine/bus";
import { Counter } from "./counter";
import { renderFamilies, type Family, type Sample } from "./exposition";
import { Histogram, type HistogramSeries } from "./histogram";
import type { WebhookBacklog } from "./webhook-backlog";

export { CONTENT_TYPE } from "./exposition";

/** One app's live state on this node. */
export interface LiveApp {
  appId: string;
  connections: number;
  channels: number;
  subscriptions: number;
}

export interface ProcessInfo {
  residentMemoryBytes: number;
  startTimeSeconds: number;
}

export interface MetricsDeps {
  bus: LifecycleBus;
  live: () => Iterable<LiveApp>;
  /** Defaults to this process; a test passes fixed numbers. */
  processInfo?: () => ProcessInfo;
  /** The webhook outbox backlog (webhook-backlog.ts); without it the two gauges are left out. */
  webhookBacklog?: () => WebhookBacklog;
}

/** One HTTP answer, as http.ts saw it leave. */
export interface HttpObservation {
  method: string;
  /** The route template (`/apps/:appId/events`), never the URL. */
  route: string;
  status: number;
  appId?: string;
  seconds: number;
}

/** The counter and histogram series of one (method, route, status, app): see Metrics.httpSeriesOf. */
export interface HttpSeries {
  count: Sample | undefined;
  duration: HistogramSeries | undefined;
}

function currentProcess(startTimeSeconds: number): () => ProcessInfo {
  return () => ({ residentMemoryBytes: process.memoryUsage().rss, startTimeSeconds });
}

const GAUGES: ReadonlyArray<{ name: string; help: string; field: Exclude<keyof LiveApp, "appId"> }> = [
  { name: "mawjly_connections", help: "WebSocket connections open now on this node.", field: "connections" },
  { name: "mawjly_channels", help: "Occupied channels now on this node.", field: "channels" },
  { name: "mawjly_subscriptions", help: "Channel subscriptions (socket-channel pairs) now on this node.", field: "subscriptions" },
];

export class Metrics {
  private readonly messages = new Counter(
    "mawjly_messages_total",
    "Messages: api = events published through the HTTP API (one per channel), client = client events, delivered = messages delivered to sockets.",
    ["app", "kind"],
  );
  private readonly connectionsOpened = new Counter("mawjly_connections_opened_total", "WebSocket connections opened.", ["app"]);
  private readonly webhooks = new Counter(
    "mawjly_webhook_deliveries_total",
    "Webhook requests by result; every failed try counts, including those that will be retried.",
    ["app", "result"],
  );
  private readonly http = new Counter(
    "mawjly_http_requests_total",
    "HTTP requests by method, route template and the status code sent.",
    ["app", "method", "route", "status"],
  );
  // No app label: 14 series per label set is too many to multiply by the number of apps.
  private readonly httpDuration = new Histogram(
    "mawjly_http_request_duration_seconds",
    "Time from receiving an HTTP request to its response headers, by method, route template and status code.",
    ["method", "route", "status"],
  );
  /** Per app and kind, the mawjly_messages_total series: one map lookup per published message. */
  private readonly httpSeries = new Map<string, HttpSeries & { cached: boolean }>();
  private readonly messageSeries = { api: new Map<string, Sample>(), client: new Map<string, Sample>(), delivered: new Map<string, Sample>() };
  private readonly openedSeries = new Map<string, Sample>();
  private readonly processInfo: () => ProcessInfo;
  private unsubscribe: Array<() => void> = [];

  constructor(private readonly deps: MetricsDeps) {
    // performance.timeOrigin is when this process started, in Unix milliseconds.
    this.processInfo = deps.processInfo ?? currentProcess(Math.floor(performance.timeOrigin / 1000));
  }

  start(): void {
    if (this.unsubscribe.length > 0) return;
    const { bus } = this.deps;
    this.unsubscribe = [
      bus.on("connected", (e) => {
        let sample = this.openedSeries.get(e.appId);
        if (sample === undefined) {
          sample = this.connectionsOpened.sample({ app: e.appId });
          if (sample === undefined) return; // the family is full
          this.openedSeries.set(e.appId, sample);
        }
        sample.value++;
      }),
      bus.on("api_message", (e) => {
        this.countMessages(e.appId, "api", 1);
        this.countMessages(e.appId, "delivered", e.recipients);
      }),
      bus.on("client_event", (e) => {
        this.countMessages(e.appId, "client", 1);
        this.countMessages(e.appId, "delivered", e.recipients);
      }),
      bus.on("webhook_sent", (e) => this.webhooks.inc({ app: e.appId, result: "sent" })),
      bus.on("webhook_failed", (e) => this.webhooks.inc({ app: e.appId, result: "failed" })),
    ];
  }

  private countMessages(appId: string, kind: keyof Metrics["messageSeries"], by: number): void {
    if (!(by >= 0)) return;
    const known = this.messageSeries[kind];
    let sample = known.get(appId);
    if (sample === undefined) {
      sample = this.messages.sample({ app: appId, kind });
      if (sample === undefined) return; // the family is full
      known.set(appId, sample);
    }
    sample.value += by;
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** One HTTP response. */
  recordHttp({ method, route, status, appId, seconds }: HttpObservation): void {
    this.recordHttpSeries(this.httpSeriesOf(method, route, status, appId), seconds);
  }

  /**
   * The two series of a (method, route, status, app), found once and kept: a request then costs one
   * string key and one lookup, not a label object and two keys (http.ts keeps them by route, app and
   * status for the trigger routes, so those pay no key at all). `cached` is false when a family is full
   * (both are capped): such an entry is not kept, and only the series that exist are counted.
   */
  httpSeriesOf(method: string, route: string, status: number, appId: string | undefined): HttpSeries & { cached: boolean } {
    // Route templates and methods have no spaces; the app id comes last, so it cannot forge another key.
    const key = `${status} ${method} ${route} ${appId === undefined ? "-" : `:${appId}`}`;
    const known = this.httpSeries.get(key);
    if (known !== undefined) return known;
    const labels = { app: appId, method, route, status: String(status) };
    const entry = { count: this.http.sample(labels), duration: this.httpDuration.seriesOf(labels), cached: false };
    if (entry.count !== undefined && entry.duration !== undefined) {
      entry.cached = true;
      this.httpSeries.set(key, entry);
    }
    return entry;
  }

  recordHttpSeries(series: HttpSeries, seconds: number): void {
    if (series.count !== undefined) series.count.value += 1;
    this.httpDuration.record(series.duration, seconds);
  }

  /** The whole exposition; serve it with CONTENT_TYPE. */
  render(): string {
    const live = [...this.deps.live()];
    const gauges: Family[] = GAUGES.map(({ name, help, field }) => ({
      name,
      help,
      type: "gauge",
      samples: live.map((app): Sample => ({ labels: { app: app.appId }, value: app[field] })),
    }));
    const proc = this.processInfo();
    return renderFamilies([
      this.messages.family(),
      this.connectionsOpened.family(),
      this.webhooks.family(),
      this.http.family(),
      this.httpDuration.family(),
      ...gauges,
      ...this.backlogGauges(),
      {
        name: "process_resident_memory_bytes",
        help: "Resident memory size in bytes.",
        type: "gauge",
        samples: [{ labels: {}, value: proc.residentMemoryBytes }],
      },
      {
        name: "process_start_time_seconds",
        help: "Start time of the process since unix epoch in seconds.",
        type: "gauge",
        samples: [{ labels: {}, value: proc.startTimeSeconds }],
      },
    ]);
  }

  private backlogGauges(): Family[] {
    if (this.deps.webhookBacklog === undefined) return [];
    const backlog = this.deps.webhookBacklog();
    return [
      {
        name: "mawjly_webhook_outbox_pending",
        help: "Webhook outbox rows due and not yet delivered or given up (retries included, held removals not yet due left out).",
        type: "gauge",
        samples: [{ labels: {}, value: backlog.pending }],
      },
      {
        name: "mawjly_webhook_outbox_oldest_age_seconds",
        help: "Age of the oldest pending webhook outbox row in seconds; 0 when nothing is pending.",
        type: "gauge",
        samples: [{ labels: {}, value: backlog.oldestAgeSeconds }],
      },
    ];
  }
}
