/** The HTTP API's fast path takes only the two trigger routes with plain ids; Elysia keeps the rest. */
import { describe, expect, test } from "bun:test";
import { fastRoute } from "../../src/http-api/fast-path";
import { seriesKey } from "../../src/metrics/counter";

describe("fastRoute", () => {
  test("POST /apps/{id}/events and /batch_events, with the route template Elysia declares", () => {
    expect(fastRoute("POST", "/apps/123/events")).toMatchObject({ route: "/apps/:appId/events", appId: "123" });
    expect(fastRoute("POST", "/apps/a-b_c/batch_events")).toMatchObject({ route: "/apps/:appId/batch_events", appId: "a-b_c" });
  });

  test("anything else is left to Elysia (other methods, escapes, trailing slash, extra segments, empty id)", () => {
    for (const [method, path] of [
      ["GET", "/apps/123/events"],
      ["PUT", "/apps/123/events"],
      ["POST", "/apps/1%2023/events"],
      ["POST", "/apps/123/events/"],
      ["POST", "/apps/123/channels"],
      ["POST", "/apps/123/x/events"],
      ["POST", "/apps//events"],
      ["POST", "/apps/123"],
      ["POST", "/users/1/terminate_connections"],
    ]) {
      expect(fastRoute(method!, path!)).toBeUndefined();
    }
  });
});

test("seriesKey: label values cannot forge another label set; missing differs from empty", () => {
  const names = ["a", "b"];
  expect(seriesKey(names, { a: "x|1:y", b: undefined })).not.toBe(seriesKey(names, { a: "x", b: "y" }));
  expect(seriesKey(names, { a: "", b: "" })).not.toBe(seriesKey(names, { a: undefined, b: undefined }));
  expect(seriesKey(names, { a: "1", b: "2" })).toBe(seriesKey(names, { b: "2", a: "1" }));
});
