/**
 * The web dashboard at /dashboard: server-rendered pages over the same services as the management API
 * and the CLI (ARCHITECTURE.md), a live debug console over SSE fed by the lifecycle bus, and assets
 * embedded in the executable. The console's ring buffer (DebugLog) records from server start: the
 * composition root starts it and passes it in (deps.debugLog), since it builds this plugin only on the
 * first request that needs it; without one, building the plugin starts its own. Importing does nothing.
 */
import { Elysia } from "elysia";
import { AssetServer } from "./assets";
import { DebugLog } from "./debug-log";
import type { DashboardDeps } from "./deps";
import { htmlResponse, route, viewerOf } from "./http";
import { accountRoutes } from "./routes/account";
import { adminAccountRoutes } from "./routes/admin-accounts";
import { adminPlanRoutes } from "./routes/admin-plans";
import { appsRoutes } from "./routes/apps";
import { channelRoutes } from "./routes/channels";
import { debugRoutes } from "./routes/debug";
import { gettingStartedRoutes } from "./routes/getting-started";
import { keyRoutes } from "./routes/keys";
import { overviewRoutes } from "./routes/overview";
import { sessionRoutes } from "./routes/session";
import { settingsRoutes } from "./routes/settings";
import { webhookRoutes } from "./routes/webhooks";
import { notFoundPage } from "./views/errors";

export type { DashboardDeps } from "./deps";

export function dashboard(deps: DashboardDeps) {
  const log = deps.debugLog ?? startedLog(deps);
  const assets = new AssetServer();
  let app: any = new Elysia({ prefix: "/dashboard", detail: { hide: true } })
    .get("/assets/:name", async ({ params, request }) => (await assets.respond(params.name, request.headers.get("if-none-match"))) ?? new Response("Not found", { status: 404 }));
  for (const routes of [sessionRoutes, appsRoutes, overviewRoutes, gettingStartedRoutes, keyRoutes, settingsRoutes, webhookRoutes, channelRoutes, adminAccountRoutes, adminPlanRoutes, accountRoutes]) {
    app = app.use(routes(deps));
  }
  app = app
    .use(debugRoutes(deps, log))
    // Any other /dashboard path: an HTML 404 rather than the JSON one of the API namespaces.
    .all("/*", route(deps, ({ request }) => htmlResponse(notFoundPage(viewerOf(deps, request)), 404)));
  return siteRoot(assets).use(app) as unknown as Elysia;
}

/** A ring buffer of its own, recording from now on (a server passes the one it started at boot). */
function startedLog(deps: DashboardDeps): DebugLog {
  const log = new DebugLog(deps.debugCapacity ?? 300, () => deps.engine.clock.now(), deps.debugRelay);
  log.start(deps.bus);
  return log;
}

/**
 * The two paths a browser asks for outside /dashboard: the server's root, which leads to the
 * dashboard's entry (the apps list, or sign-in when signed out), and /favicon.ico, which browsers and
 * tools request whatever the page says; it gets the same embedded SVG icon as the pages link to.
 */
function siteRoot(assets: AssetServer) {
  return new Elysia({ name: "dashboard-root", detail: { hide: true } })
    .get("/", () => new Response(null, { status: 302, headers: { location: "/dashboard/apps", "cache-control": "no-store" } }))
    .get("/favicon.ico", async ({ request }) => (await assets.respond("favicon.svg", request.headers.get("if-none-match")))!);
}
