/**
 * The guard in front of every Pusher HTTP API endpoint: finds the app, verifies the request signature
 * over the raw query and body (§5.2), and refuses disabled apps (403). The signed path is the path as
 * received, without any mount prefix.
 */
import { appSecret, type App, type AppDirectory } from "../engine/app";
import type { Engine } from "../engine/engine";
import { HttpError } from "../protocol/errors";
import { parseRawQuery, verifySignedRequest, type QueryParams } from "../protocol/http-signature";

export interface ApiDeps {
  apps: AppDirectory;
  engine: Engine;
  /** Seconds since the epoch; injectable for tests. */
  nowSeconds: () => number;
}

/** The parts of a request's URL the signature covers, as the URL parser gives them (a URL is one). */
export interface RequestTarget {
  pathname: string;
  search: string;
}

export interface ApiRequest {
  app: App;
  query: QueryParams;
  rawBody: string;
}

/** `url`: the request's URL when the caller already parsed it (the server's fetch does), so it is parsed once. */
export async function authenticate(deps: ApiDeps, request: Request, appId: string, url?: RequestTarget): Promise<ApiRequest> {
  // The body first: the app could be deleted while it arrives, and its state must not be revived.
  return authenticateBody(deps, request, appId, await bodyOf(request), url);
}

/** The checks once the body has arrived: synchronous unless the rate counter is remote. */
export function authenticateBody(deps: ApiDeps, request: Request, appId: string, rawBody: string, url?: RequestTarget): ApiRequest | Promise<ApiRequest> {
  const app = deps.apps.byId(appId);
  if (app === undefined) throw new HttpError(404, `App not found: '${appId}'`);
  return verify(deps, request, rawBody, app, url);
}

/**
 * For paths without /apps/{app_id}: pusher-http-python 3.3.3 sends terminate_user_connections to
 * POST /users/{id}/terminate_connections. The app is the one owning the signed `auth_key`; the
 * signature is then checked exactly as for the other endpoints. Without a known key the check runs
 * against no secret, so a missing or unknown key gets the same 401 as on the /apps/ paths.
 */
export async function authenticateByKey(deps: ApiDeps, request: Request): Promise<ApiRequest> {
  const rawBody = await bodyOf(request);
  const url = new URL(request.url);
  const key = parseRawQuery(url.search).get("auth_key");
  const app = key === undefined ? undefined : deps.apps.byKey(key);
  if (app === undefined) {
    verifySignedRequest({ method: request.method, path: url.pathname, rawQuery: url.search, rawBody }, () => undefined, deps.nowSeconds());
    throw new HttpError(401, `Unknown auth_key: '${key}'`); // not reached: the check above always refuses
  }
  return verify(deps, request, rawBody, app);
}

function bodyOf(request: Request): Promise<string> {
  return request.method === "GET" || request.method === "HEAD" ? Promise.resolve("") : request.text();
}

/** Synchronous unless the rate counter is remote: the single-node path adds no promise here. */
function verify(deps: ApiDeps, request: Request, rawBody: string, app: App, url: RequestTarget = new URL(request.url)): ApiRequest | Promise<ApiRequest> {
  const query = verifySignedRequest(
    { method: request.method, path: url.pathname, rawQuery: url.search, rawBody },
    (key) => appSecret(app, key),
    deps.nowSeconds(),
  );
  if (!app.enabled) throw new HttpError(403, "App is disabled");
  // Counted after the signature check, so that nobody without the secret can use up an app's allowance.
  const admitted = deps.engine.admitApiRequest(app);
  const result = { app, query, rawBody };
  if (typeof admitted === "boolean") return admitted ? result : tooManyRequests(app);
  return admitted.then((ok) => (ok ? result : tooManyRequests(app)));
}

function tooManyRequests(app: App): never {
  throw new HttpError(429, `Too many requests: this app allows ${app.limits.apiRequestsPerSecond} HTTP API requests per second`);
}

/** Parses the raw body as JSON whatever the Content-Type (§5.1 [REC]). */
export function jsonBody(req: ApiRequest): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(req.rawBody);
  } catch {
    throw new HttpError(400, "Invalid JSON in request body");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpError(400, "The request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Nearly every trigger asks for no `info`: one shared, read-only empty set instead of one per request. */
const NO_INFO: ReadonlySet<string> = new Set();

/** The comma-separated `info` attributes, each checked against the allowed set. */
export function infoAttributes(info: unknown, allowed: readonly string[]): ReadonlySet<string> {
  if (info === undefined || info === "") return NO_INFO;
  if (typeof info !== "string") throw new HttpError(400, "'info' must be a comma-separated string");
  const attrs = new Set(info.split(",").map((a) => a.trim()).filter((a) => a !== ""));
  for (const attr of attrs) {
    if (!allowed.includes(attr)) {
      throw new HttpError(400, `Unknown info attribute '${attr}': use ${allowed.join(", ")}`);
    }
  }
  return attrs;
}

/**
 * Pusher answers subscription_count only for apps with subscription counting on (§5.3, §5.6: "app
 * setting"); otherwise the query is refused rather than answered with a count nobody enabled.
 */
export function requireSubscriptionCounting(app: App, info: ReadonlySet<string>): void {
  if (info.has("subscription_count") && !app.subscriptionCount) {
    throw new HttpError(400, "subscription_count is not available: subscription counting is not enabled for this app");
  }
}
