/**
 * What every management API route needs: the services, who is calling (session cookie or Bearer
 * token), the CSRF check for cookie-authenticated changes, the account's access to an app (anything
 * not yours is a 404, never a 403 that would leak its existence), pagination, and the one error
 * envelope `{"error": {"code", "message"}}`.
 */
import type { AuthService, Caller } from "../accounts/auth";
import { SESSION_COOKIE } from "../accounts/auth";
import type { PlanQuotas } from "../accounts/quotas";
import type { AccountService } from "../accounts/service";
import type { AppCache } from "../apps/cache";
import type { AppService } from "../apps/service";
import type { App } from "../engine/app";
import type { Engine } from "../engine/engine";
import { ServiceError } from "../errors";
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
  usage?: { series(appId: string, period: "hour" | "day" | "month"): unknown; today(appIds: string[]): { messages: number; connectionsPeak: number } };
}

export class Unauthorized extends Error {}

const STATUS = { invalid: 400, not_found: 404, conflict: 409, forbidden: 403 } as const;

export function errorResponse(code: string, message: string, status: number): Response {
  return Response.json({ error: { code, message } }, { status });
}

/** Maps any error a route throws to the envelope; unexpected ones are logged, never shown. */
export function toErrorResponse(err: unknown): Response {
  if (err instanceof ServiceError) return errorResponse(err.kind, err.message, STATUS[err.kind]);
  if (err instanceof Unauthorized) return errorResponse("unauthorized", err.message, 401);
  console.error("mawjly: management API internal error:", err);
  return errorResponse("internal", "Internal server error", 500);
}

export function cookieValue(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Resolves the caller; state-changing requests from a browser session must pass the CSRF check. */
export function callerOf(services: ApiServices, request: Request): Caller {
  const bearer = request.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
  const caller = bearer !== undefined ? services.auth.fromBearer(bearer) : services.auth.fromSession(cookieValue(request.headers.get("cookie"), SESSION_COOKIE));
  if (caller === undefined) throw new Unauthorized(bearer !== undefined ? "Invalid or revoked API token" : "Sign in first, or send Authorization: Bearer <token>");
  if (!["GET", "HEAD", "OPTIONS"].includes(request.method)) {
    const origin = request.headers.get("origin") ?? refererOrigin(request.headers.get("referer"));
    services.auth.checkCsrf(caller, origin, request.headers.get("host"), request.headers.get("x-csrf-token"));
  }
  return caller;
}

function refererOrigin(referer: string | null): string | null {
  if (referer === null) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
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
