/**
 * The Elysia app: every HTTP request that is neither a WebSocket upgrade nor a signed trigger (those
 * are answered in src/server.ts's fetch without it): the rest of the Pusher HTTP API, the management
 * API, the OpenAPI document and the dashboard. It is built on the first request that needs it, from
 * dynamic imports: Elysia, the route schemas, the OpenAPI plugin and the dashboard's views are ~8 MB of
 * anonymous RSS under `bun src/main.ts` and ~4 MB in the compiled binary (bench/ soak, "at rest"), which
 * a node that only serves sockets, signed triggers, /health and /metrics never needs. The first request
 * that needs the app waits for the build once (~0.2 s).
 *
 * /health and /metrics are what load balancers and Prometheus poll on every node, so they are answered
 * here without building the app, by the same handlers its routes call: /swagger still documents them
 * as routes of the app, and the answers are the same bytes.
 */
import type { Elysia } from "elysia";
import type { ApiServices } from "./api";
import type { DashboardDeps } from "./dashboard";
import type { ApiDeps } from "./http-api/auth";
import type { HttpObserver } from "./metrics/http";

export interface HttpAppDeps {
  /** The Pusher HTTP API's routes (those the fast path does not take). */
  pusher: ApiDeps;
  /** The management API's services. */
  services: ApiServices;
  dashboard: DashboardDeps;
  httpMetrics: HttpObserver;
  /** GET /health's body. */
  health: () => { status: string };
  /** GET /metrics's answer. */
  metrics: (request: Request) => Response;
}

/** After a failed build, requests are refused without another try (and another log) for this long. */
export const REBUILD_AFTER_MS = 5_000;

/** The app, built once on first need; /health and /metrics never wait for it. */
export class LazyHttpApp {
  private app: Elysia | undefined;
  private building: Promise<Elysia> | undefined;
  /** The last build's failure, until a build succeeds: /health says degraded meanwhile. */
  private failure: { error: unknown; at: number } | undefined;

  constructor(
    private readonly deps: HttpAppDeps,
    /** How the app is made (tests pass their own). */
    private readonly make: (deps: HttpAppDeps) => Promise<Elysia> = buildHttpApp,
  ) {}

  fetch(request: Request, url: URL): Response | Promise<Response> {
    // Exactly the requests the app's /health and /metrics routes match, with the same metrics labels
    // (the route template, as the app's mapResponse hook reports it). Others (HEAD, a trailing slash)
    // go to the app, whose router decides as before.
    if (request.method === "GET") {
      const path = url.pathname;
      if (path === "/health") {
        this.deps.httpMetrics.matched(request, "/health", undefined);
        // A node whose app cannot be built answers only sockets and triggers: not healthy, and a load
        // balancer should know (the build used to run at start, where a failure stopped the server).
        return Response.json(this.failure === undefined ? this.deps.health() : { status: "degraded" });
      }
      if (path === "/metrics") {
        this.deps.httpMetrics.matched(request, "/metrics", undefined);
        return this.deps.metrics(request);
      }
    }
    if (this.app !== undefined) return this.app.fetch(request);
    return this.build().then(
      (app) => app.fetch(request),
      () => Response.json({ error: "Internal server error: this part of the server could not be loaded (see the server's log)" }, { status: 500 }),
    );
  }

  /**
   * Requests that arrive while it is being built wait for the same build. A failure (a module that does
   * not load) is written to stderr once per try and fails the requests; a new try is made at most every
   * REBUILD_AFTER_MS, so a stream of requests cannot flood the log with stack traces.
   */
  build(now = performance.now()): Promise<Elysia> {
    if (this.building === undefined && this.failure !== undefined && now - this.failure.at < REBUILD_AFTER_MS) {
      return Promise.reject(this.failure.error);
    }
    this.building ??= this.make(this.deps).then(
      (app) => {
        this.failure = undefined;
        return (this.app = app);
      },
      (err: unknown) => {
        this.building = undefined;
        this.failure = { error: err, at: performance.now() };
        console.error("mawjly: could not build the HTTP app (HTTP API, management API, docs, dashboard):", err);
        throw err;
      },
    );
    return this.building;
  }
}

/** The whole app; the routes' order matters to the router and to the OpenAPI document. */
export async function buildHttpApp(deps: HttpAppDeps): Promise<Elysia> {
  // Static specifiers, so that `bun build --compile` bundles these modules into the binary.
  const [{ Elysia }, { pusherHttpApi }, { managementApi }, { docs }, { dashboard }] = await Promise.all([
    import("elysia"),
    import("./http-api"),
    import("./api"),
    import("./docs/openapi"),
    import("./dashboard"),
  ]);
  const { httpMetrics } = deps;
  // normalize: false, so schema violations such as unknown properties are refused instead of being
  // stripped silently (a typo like "clientEvent" must not look like success). Elysia reads it here.
  return new Elysia({ normalize: false })
    .onError(({ code, request }) => (code === "NOT_FOUND" ? notFound(request) : undefined))
    // Only the matched route template for the metrics labels; the status is read from the Response
    // in server.ts's fetch (src/metrics/http.ts says why). mapResponse runs on success and error paths.
    .mapResponse({ as: "global" }, (ctx: any) => httpMetrics.matched(ctx.request, ctx.route, ctx.params))
    .get("/health", () => deps.health(), {
      detail: { tags: ["Operations"], summary: "Liveness: 200 {\"status\":\"ok\"}, or {\"status\":\"degraded\"} while the node cannot reach Redis (cluster) or PostgreSQL (--database-url)" },
    })
    .use(pusherHttpApi(deps.pusher))
    .get("/metrics", ({ request }) => deps.metrics(request), {
      detail: { tags: ["Operations"], summary: "Prometheus metrics (Bearer token when MAWJLY_METRICS_TOKEN is set)" },
    })
    .use(managementApi(deps.services))
    .use(docs())
    .use(dashboard(deps.dashboard)) as unknown as Elysia;
}

/** Unknown routes answer 404 in the envelope of the API the path belongs to, never HTML or plain text. */
function notFound(request: Request): Response {
  const path = new URL(request.url).pathname;
  const message = `Not found: ${request.method} ${path}`;
  if (path.startsWith("/api/")) return Response.json({ error: { code: "not_found", message } }, { status: 404 });
  return Response.json({ error: message }, { status: 404 });
}
