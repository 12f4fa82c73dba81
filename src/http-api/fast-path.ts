/**
 * The two trigger endpoints without the general router: POST /apps/{app_id}/events and
 * /batch_events carry nearly all HTTP API traffic, and Elysia's per-request pipeline (context object,
 * hooks, route lookup) cost more than the signature check itself (bench/README.md, triggers).
 * The routes stay declared in the Elysia plugin (index.ts), which documents them in OpenAPI and
 * answers any request this matcher leaves to it; both call the same endpoint functions, so every
 * answer is the same whichever way a request came.
 */
import { then } from "../engine/maybe";
import { authenticateBody, type ApiDeps } from "./auth";
import { triggerBatch } from "./endpoints/batch-events";
import { triggerEventsFor } from "./endpoints/events";
import { respond, respondNow } from "./respond";

export interface FastRoute {
  /** The route template, as the Elysia plugin declares it (the metrics label). */
  route: string;
  appId: string;
  handle(deps: ApiDeps, request: Request, appId: string, url: URL): Promise<Response>;
}

// One promise (the body) and then synchronous work on one node: no async frame per layer.
const events = (deps: ApiDeps, request: Request, appId: string, url: URL) =>
  request.text().then(
    (rawBody) => respondNow(() => then(authenticateBody(deps, request, appId, rawBody, url), (req) => triggerEventsFor(deps, req))),
    (err: unknown) => respondNow(() => { throw err; }),
  );
const batch = (deps: ApiDeps, request: Request, appId: string, url: URL) => respond(() => triggerBatch(deps, request, appId, url));

/**
 * The fast route for `POST /apps/{id}/events|batch_events`, or undefined for anything else (left to
 * Elysia). Only plain ids qualify: an id with a percent escape is decoded by Elysia's router, and a
 * path with more segments or a trailing slash is Elysia's to answer (404 in the API's envelope).
 */
export function fastRoute(method: string, pathname: string): FastRoute | undefined {
  if (method !== "POST" || !pathname.startsWith("/apps/")) return undefined;
  const slash = pathname.indexOf("/", 6);
  if (slash <= 6 || pathname.indexOf("/", slash + 1) >= 0 || pathname.includes("%")) return undefined;
  const tail = pathname.slice(slash + 1);
  const appId = pathname.slice(6, slash);
  if (tail === "events") return { route: "/apps/:appId/events", appId, handle: events };
  if (tail === "batch_events") return { route: "/apps/:appId/batch_events", appId, handle: batch };
  return undefined;
}
