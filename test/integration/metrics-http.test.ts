/**
 * /metrics against the real server process: the status label is the status actually sent (a 401 from
 * the management API was counted as 500 and a 400 as 422), requests carry a method label, the
 * duration histogram counts the same requests by route template, the opened-connections counter no
 * longer clashes with the connections gauge, and the webhook backlog gauges are present.
 */
import { expect, test } from "bun:test";
import { serverSdk } from "../support/clients";
import { useServer } from "../support/server";

// SQLite in both test modes: the figures here do not depend on the store, and in PostgreSQL mode
// createApp's probe requests (support/server.ts waitUntilKnown) would add to the exact counts.
const server = useServer({ store: "sqlite" });


const scrape = async () => (await (await fetch(`${server().url}/metrics`)).text()).split("\n");

test("each request is counted with the method, route template and the status it got", async () => {
  const app = server().createApp();
  const statuses = [
    (await fetch(`${server().url}/health`)).status,
    (await serverSdk(server(), app).get({ path: "/channels" })).status,
    (await fetch(`${server().url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status,
    (await fetch(`${server().url}/api/v1/me`)).status,
    (await fetch(`${server().url}/api/v1/me`, { headers: { authorization: "Bearer mwj_wrong" } })).status,
    (await fetch(`${server().url}/apps/${app.id}/channels`)).status,
    (await fetch(`${server().url}/apps/no-such-app/channels`)).status,
    (await fetch(`${server().url}/no/such/page`)).status,
  ];
  expect(statuses).toEqual([200, 200, 400, 401, 401, 401, 404, 404]);

  const lines = await scrape();
  expect(lines.filter((l) => l.startsWith("mawjly_http_requests_total{"))).toEqual([
    'mawjly_http_requests_total{method="GET",route="/health",status="200"} 1',
    `mawjly_http_requests_total{app="${app.id}",method="GET",route="/apps/:appId/channels",status="200"} 1`,
    'mawjly_http_requests_total{method="POST",route="/api/v1/session",status="400"} 1',
    'mawjly_http_requests_total{method="GET",route="/api/v1/me",status="401"} 2',
    `mawjly_http_requests_total{app="${app.id}",method="GET",route="/apps/:appId/channels",status="401"} 1`,
    'mawjly_http_requests_total{method="GET",route="/apps/:appId/channels",status="404"} 1',
    'mawjly_http_requests_total{method="GET",route="unmatched",status="404"} 1',
  ]);
  expect(lines.filter((l) => l.startsWith("mawjly_http_request_duration_seconds_count{"))).toEqual([
    'mawjly_http_request_duration_seconds_count{method="GET",route="/health",status="200"} 1',
    'mawjly_http_request_duration_seconds_count{method="GET",route="/apps/:appId/channels",status="200"} 1',
    'mawjly_http_request_duration_seconds_count{method="POST",route="/api/v1/session",status="400"} 1',
    'mawjly_http_request_duration_seconds_count{method="GET",route="/api/v1/me",status="401"} 2',
    'mawjly_http_request_duration_seconds_count{method="GET",route="/apps/:appId/channels",status="401"} 1',
    'mawjly_http_request_duration_seconds_count{method="GET",route="/apps/:appId/channels",status="404"} 1',
    'mawjly_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1',
  ]);
  expect(lines).toContain('mawjly_http_request_duration_seconds_bucket{method="GET",route="/api/v1/me",status="401",le="+Inf"} 2');
  expect(lines.some((l) => l.startsWith("mawjly_http") && /status="5\d\d"/.test(l))).toBe(false);
  // The raw paths never become labels.
  expect(lines.some((l) => l.includes("no-such-app") || l.includes("/no/such/page"))).toBe(false);
});

test("a method outside the standard set is labelled other", async () => {
  expect((await fetch(`${server().url}/health`, { method: "PROPFIND" })).status).toBe(404);
  expect(await scrape()).toContain('mawjly_http_requests_total{method="other",route="unmatched",status="404"} 1');
});

test("gauge and counter families never share a name, and the webhook backlog is reported", async () => {
  const app = server().createApp();
  const socket = new WebSocket(`${server().wsUrl}/app/${app.key}?protocol=7`);
  await new Promise((resolve) => socket.addEventListener("message", resolve, { once: true }));
  const lines = await scrape();
  socket.close();
  expect(lines).toContain(`mawjly_connections_opened_total{app="${app.id}"} 1`);
  expect(lines).toContain(`mawjly_connections{app="${app.id}"} 1`);
  const types = new Map(lines.filter((l) => l.startsWith("# TYPE ")).map((l) => [l.split(" ")[2]!, l.split(" ")[3]!]));
  for (const [name, type] of types) {
    if (type === "counter") expect(types.has(name.replace(/_total$/, ""))).toBe(false);
  }
  expect(types.get("mawjly_webhook_outbox_pending")).toBe("gauge");
  expect(lines).toContain("mawjly_webhook_outbox_pending 0");
  expect(lines).toContain("mawjly_webhook_outbox_oldest_age_seconds 0");
});
