/**
 * Prometheus metrics for /metrics: per-app counters fed by the lifecycle bus and by the HTTP layer,
 * live gauges read from the engine at scrape time, and the two standard process gauges. Labels are
 * app ids, fixed kinds, route patterns and status codes only, so the number of series stays bounded
 * by the number of apps (https://prometheus.io/docs/practices/naming/#labels).
 */
import type { LifecycleBus } from "../engine/bus";
import { Counter } from "./counter";
import { renderFamilies, type Family, type Sample } from "./exposition";

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
  private readonly connectionsOpened = new Counter("mawjly_connections_total", "WebSocket connections opened.", ["app"]);
  private readonly webhooks = new Counter(
    "mawjly_webhook_deliveries_total",
    "Webhook requests by result; every failed try counts, including those that will be retried.",
    ["app", "result"],
  );
  private readonly http = new Counter(
    "mawjly_http_requests_total",
    "HTTP requests by route pattern and status code.",
    ["app", "route", "status"],
  );
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
      bus.on("connected", (e) => this.connectionsOpened.inc({ app: e.appId })),
      bus.on("api_message", (e) => {
        this.messages.inc({ app: e.appId, kind: "api" });
        this.messages.inc({ app: e.appId, kind: "delivered" }, e.recipients);
      }),
      bus.on("client_event", (e) => {
        this.messages.inc({ app: e.appId, kind: "client" });
        this.messages.inc({ app: e.appId, kind: "delivered" }, e.recipients);
      }),
      bus.on("webhook_sent", (e) => this.webhooks.inc({ app: e.appId, result: "sent" })),
      bus.on("webhook_failed", (e) => this.webhooks.inc({ app: e.appId, result: "failed" })),
    ];
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** One HTTP response. `route` is the route pattern (`/apps/:id/events`), never the URL. */
  recordHttp(route: string, status: number, appId?: string): void {
    this.http.inc({ app: appId, route, status: String(status) });
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
      ...gauges,
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
}
