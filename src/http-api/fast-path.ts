/**
 * The two trigger endpoints without the general router: POST /apps/{app_id}/events and
 * /batch_events carry nearly all HTTP API traffic, and Elysia's per-request pipeline (context object,
 * hooks, route lookup) cost more than the signature check itself (bench/README.md, triggers).
 * The routes stay declared in the Elysia plugin (index.ts), which documents them in OpenAPI and
 * answers any request this matcher leaves to it; both call the same endpoint functions, so every
 * answer is the same whichever way a request came.
 */
import { then } from "../engine/maybe";
import { recorded } from "../metrics/http";
import { authenticateBody, type ApiDeps, type RequestTarget } from "./auth";
import { triggerBatch } from "./endpoints/batch-events";
import { triggerEventsFor } from "./endpoints/events";
import { respond, respondNow } from "./respond";

export interface FastRoute extends RequestTarget {
  /** The route template, as the Elysia plugin declares it (the metrics label). */
  route: string;
  appId: string;
  batch: boolean;
}

/** Where the fast path reports each answer (metrics/http.ts). */
export interface FastObserver {
  recordRoute(route: string, appId: string, status: number, started: number): void;
}

const EVENTS = "/apps/:appId/events";
const BATCH = "/apps/:appId/batch_events";

/**
 * The fast route for `POST /apps/{id}/events|batch_events`, or undefined for anything else (left to
 * Elysia). Only plain ids qualify: an id with a percent escape is decoded by Elysia's router, and a
 * path with more segments or a trailing slash is Elysia's to answer (404 in the API's envelope).
 * `pathname` and `search` as the URL parser gives them (the signature is checked over both).
 */
export function fastRoute(method: string, pathname: string, search = ""): FastRoute | undefined {
  if (method !== "POST" || !pathname.startsWith("/apps/")) return undefined;
  const slash = pathname.indexOf("/", 6);
  if (slash <= 6 || pathname.indexOf("/", slash + 1) >= 0 || pathname.includes("%")) return undefined;
  const tail = pathname.slice(slash + 1);
  const appId = pathname.slice(6, slash);
  if (tail === "events") return { route: EVENTS, appId, batch: false, pathname, search };
  if (tail === "batch_events") return { route: BATCH, appId, batch: true, pathname, search };
  return undefined;
}

/**
 * The fast route straight from `request.url`, without building a URL object, when the URL parser
 * would give back exactly the text received: a host of plain characters, a path of plain characters
 * and a query of printable ASCII that the parser leaves unescaped. Anything else (escapes, dot
 * segments, backslashes, quotes, a fragment, no host) is undefined here, and the caller takes the
 * URL parser's way, whose answer stands.
 */
export function plainFastRoute(method: string, url: string): FastRoute | undefined {
  if (method !== "POST") return undefined;
  const hostStart = url.indexOf("://") + 3;
  if (hostStart < 3) return undefined;
  const pathStart = url.indexOf("/", hostStart);
  if (pathStart < 0 || !plainOrigin(url, hostStart, pathStart)) return undefined;
  PLAIN_TARGET.lastIndex = pathStart;
  if (!PLAIN_TARGET.test(url)) return undefined;
  const queryStart = url.indexOf("?", pathStart);
  return fastRoute(method, url.slice(pathStart, queryStart < 0 ? url.length : queryStart), queryStart < 0 ? "" : url.slice(queryStart));
}

/**
 * From the path to the end: a trigger route with a plain id, then no query or a non-empty one of
 * printable ASCII except `"`, `#`, `'`, `<`, `>` (what the URL parser leaves unescaped in a query; it
 * drops a lone "?"). No dots (no dot segments to resolve), no escapes, nothing to escape.
 */
const PLAIN_TARGET = /\/apps\/[A-Za-z0-9_-]+\/(?:events|batch_events)(?:\?[!$-&(-;=?-~]+)?$/y;

/** The last origin (`http://host:port`) found plain: a server sees the same one on nearly every request. */
let knownOrigin = "";

/**
 * An origin of characters that cannot move where the path starts, and one the URL parser accepts (a
 * host such as `a.1` or a port above 65535 is refused there, and must be refused the same way here).
 */
function plainOrigin(url: string, hostStart: number, pathStart: number): boolean {
  if (pathStart === hostStart) return false;
  if (knownOrigin.length === pathStart && url.startsWith(knownOrigin)) return true;
  for (let i = hostStart; i < pathStart; i++) if (!hostChar(url.charCodeAt(i))) return false;
  const origin = url.slice(0, pathStart);
  if (!URL.canParse(`${origin}/`)) return false;
  knownOrigin = origin;
  return true;
}

/** Letters, digits, `.`, `-`, `_`, `:` and `[`, `]` (ports, IPv6): nothing that moves where the path starts. */
function hostChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 93 && c !== 92) || (c >= 48 && c <= 58) || c === 45 || c === 46 || c === 95;
}

/** Answers a fast route: one promise (the body), then synchronous work on one node, then the metrics. */
export function serveFast(deps: ApiDeps, request: Request, target: FastRoute, observer: FastObserver): Promise<Response> {
  const started = performance.now();
  if (target.batch) return observed(observer, target, started, respond(() => triggerBatch(deps, request, target.appId, target)));
  return request.text().then(
    (rawBody) =>
      observed(observer, target, started, respondNow(() => then(authenticateBody(deps, request, target.appId, rawBody, target), (req) => triggerEventsFor(deps, req)))),
    (err: unknown) => observed(observer, target, started, respondNow(() => { throw err; })),
  );
}

/** Reports the answer's status; a synchronous answer gets no promise of its own for that. */
function observed<R extends Response | Promise<Response>>(observer: FastObserver, target: FastRoute, started: number, answer: R): R;
function observed(observer: FastObserver, target: FastRoute, started: number, answer: Response | Promise<Response>): Response | Promise<Response> {
  if (!(answer instanceof Response)) return recorded(answer, (status) => observer.recordRoute(target.route, target.appId, status, started));
  observer.recordRoute(target.route, target.appId, answer.status, started);
  return answer;
}
