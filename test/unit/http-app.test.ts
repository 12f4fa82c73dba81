/**
 * The lazily built Elysia app (src/http-app.ts): /health and /metrics never build it, everything else
 * builds it once, and a build that fails is reported and fails the request instead of being hidden.
 */
import { afterEach, expect, spyOn, test } from "bun:test";
import type { Elysia } from "elysia";
import { LazyHttpApp, REBUILD_AFTER_MS, type HttpAppDeps } from "../../src/http-app";

function setup(make: () => Promise<Elysia>) {
  const matched: string[] = [];
  const deps = {
    httpMetrics: { matched: (_request: Request, route: string) => void matched.push(route) },
    health: () => ({ status: "ok" }),
    metrics: () => new Response("# metrics\n", { headers: { "content-type": "text/plain" } }),
  } as unknown as HttpAppDeps;
  let builds = 0;
  const lazy = new LazyHttpApp(deps, () => {
    builds++;
    return make();
  });
  const fetch = (path: string, method = "GET") => {
    const request = new Request(`http://localhost${path}`, { method });
    return lazy.fetch(request, new URL(request.url));
  };
  return { fetch, matched, builds: () => builds, build: (now: number) => lazy.build(now) };
}

const fakeApp = (answer: string) => ({ fetch: async () => new Response(answer) }) as unknown as Elysia;

afterEach(() => {
  (console.error as any).mockRestore?.();
});

test("GET /health and /metrics are answered without building the app, with their route labels", async () => {
  const s = setup(async () => fakeApp("app"));
  const health = await s.fetch("/health");
  expect(health.headers.get("content-type")).toBe("application/json;charset=utf-8");
  expect(await health.text()).toBe('{"status":"ok"}');
  expect(await (await s.fetch("/metrics")).text()).toBe("# metrics\n");
  expect(s.matched).toEqual(["/health", "/metrics"]);
  expect(s.builds()).toBe(0);
});

test("other requests (HEAD /health included) build the app once, however many arrive while it builds", async () => {
  const s = setup(async () => fakeApp("app"));
  const answers = await Promise.all([s.fetch("/dashboard/apps"), s.fetch("/swagger"), s.fetch("/health", "HEAD")]);
  expect(await Promise.all(answers.map((r) => r.text()))).toEqual(["app", "app", "app"]);
  expect(await (await s.fetch("/api/v1/me")).text()).toBe("app");
  expect(s.builds()).toBe(1);
});

test("a failed build: logged once per try, the request answered 500 in one line, /health degraded, a new try after REBUILD_AFTER_MS", async () => {
  const errors = spyOn(console, "error").mockImplementation(() => {});
  let fail = true;
  const s = setup(async () => {
    if (fail) throw new Error("Cannot find module './dashboard'");
    return fakeApp("app");
  });
  const refused = await s.fetch("/dashboard/apps");
  expect(refused.status).toBe(500);
  expect(await refused.json()).toEqual({ error: "Internal server error: this part of the server could not be loaded (see the server's log)" });
  expect(errors).toHaveBeenCalledTimes(1);
  expect(String(errors.mock.calls[0]![0])).toContain("could not build the HTTP app");
  expect((errors.mock.calls[0]![1] as Error).message).toBe("Cannot find module './dashboard'");
  expect(await (await s.fetch("/health")).json()).toEqual({ status: "degraded" });
  // More requests within the interval: refused the same way, no new try, no new log line.
  expect((await s.fetch("/swagger")).status).toBe(500);
  expect(errors).toHaveBeenCalledTimes(1);
  expect(s.builds()).toBe(1);
  // After the interval the next request tries again; a successful build clears the failure.
  fail = false;
  const app = await s.build(performance.now() + REBUILD_AFTER_MS);
  expect(await (await app.fetch(new Request("http://localhost/"))).text()).toBe("app");
  expect(await (await s.fetch("/dashboard/apps")).text()).toBe("app");
  expect(await (await s.fetch("/health")).json()).toEqual({ status: "ok" });
  expect(s.builds()).toBe(2);
});
