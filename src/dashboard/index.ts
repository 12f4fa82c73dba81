/**
 * The web dashboard at /dashboard: server-rendered pages over the same services as the management API
 * and the CLI (ARCHITECTURE.md), a live debug console over SSE fed by the lifecycle bus, and assets
 * embedded in the executable. Building the plugin subscribes the console's ring buffer to the bus, so
 * the composition root calls it once at start; importing this module does nothing.
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
  const log = new DebugLog(deps.debugCapacity ?? 300, () => deps.engine.clock.now());
  log.start(deps.bus);
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
  return app as Elysia;
}
