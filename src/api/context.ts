/**
 * What every management API route needs: the services, who is calling (session cookie or Bearer
 * token), the CSRF check for cookie-authenticated changes, the account's access to an app (anything
 * not yours is a 404, never a 403 that would leak its existence), pagination, and the one error
 * envelope `{"error": {"code", "message"}}`.
 */
import type { AuthService, Caller } from "../accounts/auth";
import type { PlanQuotas } from "../accounts/quotas";
import type { AccountService } from "../accounts/service";
import type { AppCache } from "../apps/cache";
import type { AppService } from "../apps/service";
import type { App } from "../engine/app";
import type { Engine } from "../engine/engine";
import { ServiceError } from "../errors";
import { StoreUnavailable } from "../store/db";
import { STORE_DOWN } from "../web/http";
import { ERROR_STATUS, requestOrigin, sessionToken } from "../web/http";
import type { WebhookService } from "../webhooks";

export interface ApiServices {
  apps: AppService;
  appCache: AppCache;
  accounts: AccountService;
  auth: AuthService;
  quotas: PlanQuotas;
  engine: Engine;
  webhooks?: WebhookService;
  /** Client address from X-Forwarded-For (ServerConfig.trustProxy). */
  trustProxy?: boolean;
  usage?: { series(appId: string, period: "hour" | "day" | "month"): Promise<unknown>; today(appIds: string[]): Promise<{ messages: number; connectionsPeak: number }> };
}

export class Unauthorized extends Error {}

export function errorResponse(code: string, message: string, status: number): Response {
  return Response.json({ error: { code, message } }, { status });
}

/** Maps any error a route throws to the envelope; unexpected ones are logged, never shown. */
export function toErrorResponse(err: unknown): Response {
  if (err instanceof ServiceError) return errorResponse(err.kind, err.message, ERROR_STATUS[err.kind]);
  if (err instanceof Unauthorized) return errorResponse("unauthorized", err.message, 401);
  // The store cannot be reached (PostgreSQL down): nothing was written; the caller may retry.
  if (err instanceof StoreUnavailable) return errorResponse("unavailable", STORE_DOWN, 503);
  console.error("mawjly: management API internal error:", err);
  return errorResponse("internal", "Internal server error", 500);
}

const SAFE_METHODS = ["GET", "HEAD", "OPTIONS"];

/** The caller of each request, looked up once by `authenticate` before its handler runs. */
const callers = new WeakMap<Request, Caller | undefined>();

function bearerOf(request: Request): string | undefined {
  return request.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
}

/**
 * Looks up the session or API token of a request in the store (asynchronous), before the handlers
 * run (api/index.ts), so that `callerOf` can answer synchronously in every route.
 */
export async function authenticate(services: ApiServices, request: Request): Promise<void> {
  if (callers.has(request)) return;
  const bearer = bearerOf(request);
  callers.set(request, bearer !== undefined ? await services.auth.fromBearer(bearer) : await services.auth.fromSession(sessionToken(request)));
}

/**
 * Resolves the caller. Only cookie sessions get the CSRF check on changes: a browser attaches the
 * cookie to a forged cross-site request on its own, but never an Authorization header, so a Bearer
 * request (curl, scripts, the Swagger UI) needs neither an Origin nor a CSRF token.
 */
export function callerOf(services: ApiServices, request: Request): Caller {
  // Not looked up (no authenticate before the handler) counts as signed out.
  const caller = callers.get(request);
  if (bearerOf(request) !== undefined) {
    if (caller === undefined) throw new Unauthorized("Invalid or revoked API token");
    return caller;
  }
  if (caller === undefined) throw new Unauthorized("Sign in first, or send Authorization: Bearer <token>");
  if (!SAFE_METHODS.includes(request.method)) {
    services.auth.checkCsrf(caller, requestOrigin(request), request.headers.get("host"), request.headers.get("x-csrf-token"));
  }
  return caller;
}

export function requireAdmin(caller: Caller): void {
  if (!caller.account.isAdmin) throw new ServiceError("not_found", "Not found");
}

/** The app if the caller may see it (its owner, or an admin); otherwise a 404 like a missing app. */
export function ownedApp(services: ApiServices, caller: Caller, appId: string): App {
  const app = services.appCache.byId(appId);
  if (app === undefined || (!caller.account.isAdmin && app.accountId !== caller.account.id)) {
    throw new ServiceError("not_found", `No app '${appId}'`);
  }
  return app;
}

export interface Page {
  limit: number;
  offset: number;
}

export function pageOf(query: Record<string, string | undefined>): Page {
  const limit = Number(query.limit ?? 50);
  const offset = Number(query.offset ?? 0);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ServiceError("invalid", "limit must be a whole number from 1 to 500");
  if (!Number.isInteger(offset) || offset < 0) throw new ServiceError("invalid", "offset must be a whole number ≥ 0");
  return { limit, offset };
}

export function paginate<T>(items: T[], page: Page) {
  return { items: items.slice(page.offset, page.offset + page.limit), total: items.length, limit: page.limit, offset: page.offset };
}

/** An app as the API shows it: secrets only through the explicit keys endpoint. */
export function publicApp(app: App) {
  const { secret: _secret, keys, ...rest } = app;
  return { ...rest, keys: keys.map((k) => ({ key: k.key, createdAt: k.createdAt })) };
}
