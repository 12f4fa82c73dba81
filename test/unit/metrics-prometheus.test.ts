/**
 * The /metrics exposition: counters fed by the bus and recordHttp, the request-duration histogram,
 * live gauges read at render time, the webhook backlog gauges, process gauges, and the text format
 * 0.0.4 (HELP/TYPE lines, label escaping, one sample a line, cumulative buckets ending in +Inf).
 */
import { describe, expect, test } from "bun:test";
import { LifecycleBus } from "../../src/engine/bus";
import { Counter, MAX_SERIES_PER_FAMILY } from "../../src/metrics/counter";
import { escapeHelp, escapeLabelValue, formatValue, renderFamily } from "../../src/metrics/exposition";
import { DEFAULT_BUCKETS, Histogram } from "../../src/metrics/histogram";
import { CONTENT_TYPE, Metrics, type HttpObservation, type LiveApp } from "../../src/metrics/prometheus";
import type { WebhookBacklog } from "../../src/metrics/webhook-backlog";

const PROCESS = () => ({ residentMemoryBytes: 52_428_800, startTimeSeconds: 1_705_321_805 });

function setup(live: LiveApp[] = [], webhookBacklog?: () => WebhookBacklog) {
  const bus = new LifecycleBus();
  const metrics = new Metrics({ bus, live: () => live, processInfo: PROCESS, webhookBacklog });
  metrics.start();
  return { bus, metrics };
}

const http = (route: string, status: number, seconds: number, appId?: string, method = "GET"): HttpObservation => ({ method, route, status, seconds, appId });

const webhook = { endpointId: "w1", url: "https://example.com/hook", eventTypes: ["channel_occupied"], eventCount: 1, attempt: 1, status: 200, latencyMs: 12 };

/**
 * A strict reader of the format: every line is a HELP, a TYPE or a sample of the family last
 * announced, with well-formed, correctly escaped labels and a number. Returns the samples.
 */
function parse(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  expect(text.endsWith("\n")).toBe(true);
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  let family = "";
  let familyType = "";
  const seen = new Set<string>();
  for (const line of text.slice(0, -1).split("\n")) {
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (?:[^\\\n]|\\\\|\\n)*$/.exec(line);
    if (help !== null) {
      expect(seen.has(help[1]!)).toBe(false);
      seen.add(help[1]!);
      family = help[1]!;
      continue;
    }
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$/.exec(line);
    if (type !== null) {
      expect(type[1]).toBe(family);
      familyType = type[2]!;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*",?)*)\})? (\S+)$/.exec(line);
    expect(sample, `not a valid line: ${line}`).not.toBeNull();
    // A histogram's samples are its name plus _bucket, _sum or _count; others carry the name itself.
    expect(familyType === "histogram" ? sample![1]!.replace(/_(bucket|sum|count)$/, "") : sample![1]).toBe(family);
    const labels: Record<string, string> = {};
    for (const m of (sample![2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    const value = Number(sample![3]);
    expect(Number.isNaN(value)).toBe(false);
    samples.push({ name: sample![1]!, labels, value });
  }
  return samples;
}

test("a small scenario renders exactly these lines", () => {
  const { bus, metrics } = setup([
    { appId: "3", connections: 2, channels: 1, subscriptions: 2 },
    { appId: "4", connections: 0, channels: 0, subscriptions: 0 },
  ]);
  bus.emit("connected", { appId: "3", socketId: "1.1" });
  bus.emit("connected", { appId: "3", socketId: "1.2" });
  bus.emit("api_message", { appId: "3", channel: "c", event: "e", data: "{}", recipients: 2 });
  bus.emit("client_event", { appId: "3", channel: "private-c", event: "client-e", data: "{}", socketId: "1.1", recipients: 1 });
  bus.emit("webhook_sent", { appId: "3", ...webhook });
  bus.emit("webhook_failed", { appId: "3", ...webhook, status: 500, error: "HTTP 500", willRetry: true });
  metrics.recordHttp(http("/apps/:appId/events", 200, 0.003, "3", "POST"));
  metrics.recordHttp(http("/apps/:appId/events", 200, 0.25, "3", "POST"));
  metrics.recordHttp(http("/health", 200, 12));
  expect(metrics.render()).toBe(
    [
      "# HELP mawjly_messages_total Messages: api = events published through the HTTP API (one per channel), client = client events, delivered = messages delivered to sockets.",
      "# TYPE mawjly_messages_total counter",
      'mawjly_messages_total{app="3",kind="api"} 1',
      'mawjly_messages_total{app="3",kind="delivered"} 3',
      'mawjly_messages_total{app="3",kind="client"} 1',
      "# HELP mawjly_connections_opened_total WebSocket connections opened.",
      "# TYPE mawjly_connections_opened_total counter",
      'mawjly_connections_opened_total{app="3"} 2',
      "# HELP mawjly_webhook_deliveries_total Webhook requests by result; every failed try counts, including those that will be retried.",
      "# TYPE mawjly_webhook_deliveries_total counter",
      'mawjly_webhook_deliveries_total{app="3",result="sent"} 1',
      'mawjly_webhook_deliveries_total{app="3",result="failed"} 1',
      "# HELP mawjly_http_requests_total HTTP requests by method, route template and the status code sent.",
      "# TYPE mawjly_http_requests_total counter",
      'mawjly_http_requests_total{app="3",method="POST",route="/apps/:appId/events",status="200"} 2',
      'mawjly_http_requests_total{method="GET",route="/health",status="200"} 1',
      "# HELP mawjly_http_request_duration_seconds Time from receiving an HTTP request to its response headers, by method, route template and status code.",
      "# TYPE mawjly_http_request_duration_seconds histogram",
      ...[1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2].map(
        (n, i) => `mawjly_http_request_duration_seconds_bucket{method="POST",route="/apps/:appId/events",status="200",le="${DEFAULT_BUCKETS[i]}"} ${n}`,
      ),
      'mawjly_http_request_duration_seconds_bucket{method="POST",route="/apps/:appId/events",status="200",le="+Inf"} 2',
      'mawjly_http_request_duration_seconds_sum{method="POST",route="/apps/:appId/events",status="200"} 0.253',
      'mawjly_http_request_duration_seconds_count{method="POST",route="/apps/:appId/events",status="200"} 2',
      ...DEFAULT_BUCKETS.map((le) => `mawjly_http_request_duration_seconds_bucket{method="GET",route="/health",status="200",le="${le}"} 0`),
      'mawjly_http_request_duration_seconds_bucket{method="GET",route="/health",status="200",le="+Inf"} 1',
      'mawjly_http_request_duration_seconds_sum{method="GET",route="/health",status="200"} 12',
      'mawjly_http_request_duration_seconds_count{method="GET",route="/health",status="200"} 1',
      "# HELP mawjly_connections WebSocket connections open now on this node.",
      "# TYPE mawjly_connections gauge",
      'mawjly_connections{app="3"} 2',
      'mawjly_connections{app="4"} 0',
      "# HELP mawjly_channels Occupied channels now on this node.",
      "# TYPE mawjly_channels gauge",
      'mawjly_channels{app="3"} 1',
      'mawjly_channels{app="4"} 0',
      "# HELP mawjly_subscriptions Channel subscriptions (socket-channel pairs) now on this node.",
      "# TYPE mawjly_subscriptions gauge",
      'mawjly_subscriptions{app="3"} 2',
      'mawjly_subscriptions{app="4"} 0',
      "# HELP process_resident_memory_bytes Resident memory size in bytes.",
      "# TYPE process_resident_memory_bytes gauge",
      "process_resident_memory_bytes 52428800",
      "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.",
      "# TYPE process_start_time_seconds gauge",
      "process_start_time_seconds 1705321805",
      "",
    ].join("\n"),
  );
  expect(parse(metrics.render())).toHaveLength(16 + 28);
});

test("gauges are read from live() at each render", () => {
  const live: LiveApp[] = [];
  const { metrics } = setup(live);
  expect(metrics.render()).not.toContain("mawjly_connections{");
  live.push({ appId: "9", connections: 5, channels: 2, subscriptions: 7 });
  expect(metrics.render()).toContain('mawjly_connections{app="9"} 5\n');
});

test("a client event's deliveries are its recipients (the subscribers minus the sender)", () => {
  const { bus, metrics } = setup([]);
  bus.emit("client_event", { appId: "3", channel: "private-c", event: "client-e", data: "{}", socketId: "1.1", recipients: 3 });
  expect(metrics.render()).toContain('mawjly_messages_total{app="3",kind="delivered"} 3\n');
});

test("stop() unsubscribes from the bus", () => {
  const { bus, metrics } = setup();
  metrics.stop();
  bus.emit("connected", { appId: "3", socketId: "1.1" });
  expect(metrics.render()).not.toContain("mawjly_connections_opened_total{");
});

test("the default process gauges describe this process", () => {
  const metrics = new Metrics({ bus: new LifecycleBus(), live: () => [] });
  const samples = parse(metrics.render());
  const rss = samples.find((s) => s.name === "process_resident_memory_bytes")!.value;
  const start = samples.find((s) => s.name === "process_start_time_seconds")!.value;
  expect(rss).toBeGreaterThan(1_000_000);
  expect(Number.isInteger(start)).toBe(true);
  expect(start).toBeLessThanOrEqual(Date.now() / 1000);
  expect(start).toBeGreaterThan(Date.now() / 1000 - 3600);
});

test("CONTENT_TYPE is the 0.0.4 text format", () => {
  expect(CONTENT_TYPE).toBe("text/plain; version=0.0.4; charset=utf-8");
});

describe("escaping", () => {
  test("label values escape backslash, double quote and newline, and parse back to the original", () => {
    const nasty = 'a\\b"c\nd}{,=';
    expect(escapeLabelValue(nasty)).toBe('a\\\\b\\"c\\nd}{,=');
    const { metrics } = setup([{ appId: nasty, connections: 1, channels: 0, subscriptions: 0 }]);
    metrics.recordHttp(http('/x"y\\z', 404, 0.001, "\n"));
    const text = metrics.render();
    expect(text).toContain('mawjly_connections{app="a\\\\b\\"c\\nd}{,="} 1\n');
    expect(text).toContain('mawjly_http_requests_total{app="\\n",method="GET",route="/x\\"y\\\\z",status="404"} 1\n');
    const samples = parse(text);
    expect(samples.find((s) => s.name === "mawjly_connections")!.labels).toEqual({ app: nasty });
    expect(samples.find((s) => s.name === "mawjly_http_requests_total")!.labels).toEqual({ app: "\n", method: "GET", route: '/x"y\\z', status: "404" });
  });

  test("HELP escapes backslash and newline but keeps quotes", () => {
    expect(escapeHelp('say "hi"\\\nbye')).toBe('say "hi"\\\\\\nbye');
    expect(renderFamily({ name: "x", help: "a\nb", type: "gauge", samples: [{ labels: {}, value: 1 }] })).toBe(
      "# HELP x a\\nb\n# TYPE x gauge\nx 1\n",
    );
  });

  test("special values use Go's spellings", () => {
    expect([NaN, Infinity, -Infinity, 0, 1.5, 1e21].map(formatValue)).toEqual(["NaN", "+Inf", "-Inf", "0", "1.5", "1e+21"]);
  });
});

describe("Counter", () => {
  test("never decreases, and stops adding label sets at the cap", () => {
    const counter = new Counter("c_total", "c", ["route"]);
    counter.inc({ route: "/a" }, 2);
    counter.inc({ route: "/a" }, -5);
    counter.inc({ route: "/a" }, NaN);
    expect(counter.get({ route: "/a" })).toBe(2);
    const warn = console.warn;
    const warnings: unknown[] = [];
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      for (let i = 0; i < MAX_SERIES_PER_FAMILY + 5; i++) counter.inc({ route: `/r${i}` });
    } finally {
      console.warn = warn;
    }
    expect([...counter.family().samples]).toHaveLength(MAX_SERIES_PER_FAMILY);
    expect(warnings).toHaveLength(1);
    counter.inc({ route: "/a" }); // existing series still count
    expect(counter.get({ route: "/a" })).toBe(3);
  });
});

describe("Histogram", () => {
  test("buckets are cumulative, le is the last label, +Inf equals _count, and _sum adds the values", () => {
    const h = new Histogram("d_seconds", "d", ["route"], [0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3, NaN]) h.observe({ route: "/a" }, v);
    expect(renderFamily(h.family())).toBe(
      [
        "# HELP d_seconds d",
        "# TYPE d_seconds histogram",
        'd_seconds_bucket{route="/a",le="0.1"} 2',
        'd_seconds_bucket{route="/a",le="1"} 3',
        'd_seconds_bucket{route="/a",le="+Inf"} 4',
        'd_seconds_sum{route="/a"} 3.65',
        'd_seconds_count{route="/a"} 4',
        "",
      ].join("\n"),
    );
  });

  test("every rendered series has non-decreasing buckets in the default layout", () => {
    const { metrics } = setup();
    for (const s of [0.001, 0.02, 0.02, 0.7, 30]) metrics.recordHttp(http("/r", 200, s));
    const buckets = parse(metrics.render()).filter((x) => x.name === "mawjly_http_request_duration_seconds_bucket");
    expect(buckets.map((b) => b.labels.le)).toEqual([...DEFAULT_BUCKETS.map(String), "+Inf"]);
    expect(buckets.map((b) => b.value)).toEqual([1, 1, 3, 3, 3, 3, 3, 4, 4, 4, 4, 5]);
  });

  test("stops adding label sets at the cap, like Counter", () => {
    const h = new Histogram("d_seconds", "d", ["route"], [1]);
    const warn = console.warn;
    console.warn = () => {};
    try {
      for (let i = 0; i < MAX_SERIES_PER_FAMILY + 3; i++) h.observe({ route: `/r${i}` }, 0.5);
    } finally {
      console.warn = warn;
    }
    expect([...h.family().samples].filter((x) => x.suffix === "_count")).toHaveLength(MAX_SERIES_PER_FAMILY);
  });
});

describe("family names", () => {
  test("no gauge is named like a counter without _total (the OpenMetrics family clash)", () => {
    const { bus, metrics } = setup([{ appId: "3", connections: 1, channels: 1, subscriptions: 1 }], () => ({ pending: 0, oldestAgeSeconds: 0 }));
    bus.emit("connected", { appId: "3", socketId: "1.1" });
    const types = new Map([...metrics.render().matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const counters = [...types].filter(([, t]) => t === "counter").map(([n]) => n);
    expect(counters).toContain("mawjly_connections_opened_total");
    for (const name of counters) expect(types.has(name.replace(/_total$/, ""))).toBe(false);
  });
});

test("the webhook backlog gauges are read at each render", () => {
  let backlog: WebhookBacklog = { pending: 0, oldestAgeSeconds: 0 };
  const { metrics } = setup([], () => backlog);
  expect(metrics.render()).toContain("mawjly_webhook_outbox_pending 0\n");
  backlog = { pending: 12, oldestAgeSeconds: 7.5 };
  const text = metrics.render();
  expect(text).toContain(
    [
      "# TYPE mawjly_webhook_outbox_pending gauge",
      "mawjly_webhook_outbox_pending 12",
      "# HELP mawjly_webhook_outbox_oldest_age_seconds Age of the oldest pending webhook outbox row in seconds; 0 when nothing is pending.",
      "# TYPE mawjly_webhook_outbox_oldest_age_seconds gauge",
      "mawjly_webhook_outbox_oldest_age_seconds 7.5",
    ].join("\n"),
  );
  expect(setup().metrics.render()).not.toContain("mawjly_webhook_outbox");
});
