/**
 * HttpObserver: the status recorded is the one of the Response handed to Bun, sync or async, with the
 * route template the router reported for that very request; anything else stays a bounded label.
 */
import { expect, test } from "bun:test";
import { LifecycleBus } from "../../src/engine/bus";
import { appOfRoute, HttpObserver, methodLabel } from "../../src/metrics/http";
import { Metrics } from "../../src/metrics/prometheus";

function setup() {
  const metrics = new Metrics({ bus: new LifecycleBus(), live: () => [] });
  const observer = new HttpObserver(metrics, (id) => id === "3");
  const counts = () => metrics.render().split("\n").filter((l) => l.startsWith("mawjly_http_requests_total{"));
  return { observer, counts };
}

test("the status comes from the Response, whatever the route reported; async answers too", async () => {
  const { observer, counts } = setup();
  const a = new Request("http://x/api/v1/me");
  observer.matched(a, "/api/v1/me", {});
  expect((await observer.observe(a, () => Response.json({}, { status: 401 }))).status).toBe(401);
  const b = new Request("http://x/apps/3/events", { method: "POST" });
  observer.matched(b, "/apps/:appId/events", { appId: "3" });
  expect((await observer.observe(b, async () => new Response("{}", { status: 400 }))).status).toBe(400);
  expect(counts()).toEqual([
    'mawjly_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1',
    'mawjly_http_requests_total{app="3",method="POST",route="/apps/:appId/events",status="400"} 1',
  ]);
});

test("unmatched requests, unknown apps and invented methods stay bounded labels; a crash counts as 500", async () => {
  const { observer, counts } = setup();
  observer.observe(new Request("http://x/whatever/123"), () => new Response(null, { status: 404 }));
  const c = new Request("http://x/apps/999/channels", { method: "PROPFIND" });
  observer.matched(c, "/apps/:appId/channels", { appId: "999" });
  observer.observe(c, () => new Response(null, { status: 404 }));
  expect(() => observer.observe(new Request("http://x/boom"), () => { throw new Error("boom"); })).toThrow("boom");
  await expect(observer.observe(new Request("http://x/later"), () => Promise.reject(new Error("later")))).rejects.toThrow("later");
  expect(counts()).toEqual([
    'mawjly_http_requests_total{method="GET",route="unmatched",status="404"} 1',
    'mawjly_http_requests_total{method="other",route="/apps/:appId/channels",status="404"} 1',
    'mawjly_http_requests_total{method="GET",route="unmatched",status="500"} 2',
  ]);
});

test("labels helpers", () => {
  expect(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "get"].map(methodLabel)).toEqual([
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other", "other",
  ]);
  expect(appOfRoute("/api/v1/apps/:id/keys", { id: "7" })).toBe("7");
  expect(appOfRoute("/dashboard/apps/:id", { id: "8" })).toBe("8");
  expect(appOfRoute("/api/v1/accounts/:id", { id: "9" })).toBeUndefined();
  expect(appOfRoute("/apps/:appId/events", { appId: "3" })).toBe("3");
});
