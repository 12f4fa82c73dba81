/**
 * Request plumbing shared by every dashboard route: who is signed in, the CSRF checks, form fields,
 * HTML/redirect/JSON responses with the security headers, and the one place that turns a thrown
 * error into a page (sign-in redirect, 404 for anything not yours, the service's message, or 500).
 */
import type { App } from "../engine/app";
import { ServiceError } from "../errors";
import { HttpError, QuotaExceededError } from "../protocol/errors";
import { safeEqual } from "../protocol/signatures";
import { StoreUnavailable } from "../store/db";
import { cookieValue, ERROR_STATUS, isHttps, requestOrigin, sessionToken, STORE_DOWN } from "../web/http";
import type { DashboardDeps } from "./deps";
import type { Html } from "./jsx/jsx-runtime";
import type { Viewer } from "./viewer";
import { errorPage, notFoundPage } from "./views/errors";

export type { Viewer } from "./viewer";
export { isHttps, sessionCookie } from "../web/http";

export class SignInRequired extends Error {}
export class PageNotFound extends Error {}

export interface ServerLike {
  requestIP(request: Request): { address: string } | null;
  timeout?(request: Request, seconds: number): void;
}

/** The parts of Elysia's context the dashboard uses. */
export interface Ctx {
  request: Request;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
  server: ServerLike | null;
}

/** The viewer of each request, looked up once by `authenticate` (in `route`) before the page runs. */
const viewers = new WeakMap<Request, Viewer | undefined>();

/** Looks up the session cookie in the store (asynchronous), so that `viewerOf` answers synchronously. */
export async function authenticate(deps: DashboardDeps, request: Request): Promise<void> {
  if (viewers.has(request)) return;
  const caller = await deps.auth.fromSession(sessionToken(request));
  viewers.set(request, caller?.csrf === undefined ? undefined : { caller, csrf: caller.csrf });
}

/** The signed-in viewer; undefined when signed out (or when the request was not authenticated). */
export function viewerOf(_deps: DashboardDeps, request: Request): Viewer | undefined {
  return viewers.get(request);
}

export function requireViewer(deps: DashboardDeps, request: Request): Viewer {
  const viewer = viewerOf(deps, request);
  if (viewer === undefined) throw new SignInRequired();
  return viewer;
}

/** Admin pages answer 404 to everyone else, like anything that is not theirs. */
export function requireAdmin(viewer: Viewer): void {
  if (!viewer.caller.account.isAdmin) throw new PageNotFound();
}

/** The app if the viewer owns it (or is an admin); otherwise 404, never 403 that would confirm it exists. */
export function appFor(deps: DashboardDeps, viewer: Viewer, appId: string): App {
  const app = deps.appCache.byId(appId);
  if (app === undefined || (!viewer.caller.account.isAdmin && app.accountId !== viewer.caller.account.id)) throw new PageNotFound();
  return app;
}

// Forms
export type Form = Record<string, string | string[] | undefined>;

export function formOf(body: unknown): Form {
  return body !== null && typeof body === "object" ? (body as Form) : {};
}

export function text(form: Form, name: string): string {
  const value = form[name];
  return typeof value === "string" ? value : Array.isArray(value) ? (value[0] ?? "") : "";
}

export function values(form: Form, name: string): string[] {
  const value = form[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** An unchecked checkbox is simply absent from the form. */
export function checked(form: Form, name: string): boolean {
  return form[name] !== undefined;
}

/** Every signed-in form carries the session's CSRF token in `_csrf`; AuthService checks it and the Origin. */
export function checkCsrf(deps: DashboardDeps, viewer: Viewer, request: Request, form: Form): void {
  deps.auth.checkCsrf(viewer.caller, requestOrigin(request), request.headers.get("host"), text(form, "_csrf") || null);
}

/**
 * Forms used before a session exists (sign-in, sign-up, setup) cannot use the session's token, so they
 * use a double-submit token: a random SameSite=Strict cookie echoed in `_csrf`, plus the same-Origin
 * check. This stops login CSRF (signing a victim into the attacker's account).
 */
const FORM_COOKIE = "mawjly_form";

export function anonymousFormToken(request: Request): { token: string; cookie?: string } {
  const existing = cookieValue(request.headers.get("cookie"), FORM_COOKIE);
  if (existing !== undefined && /^[A-Za-z0-9_-]{32}$/.test(existing)) return { token: existing };
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
  return { token, cookie: `${FORM_COOKIE}=${token}; Path=/dashboard; HttpOnly; SameSite=Strict${isHttps(request) ? "; Secure" : ""}` };
}

export function checkAnonymousForm(request: Request, form: Form): void {
  let sameOrigin = false;
  try {
    sameOrigin = new URL(requestOrigin(request) ?? "").host === request.headers.get("host");
  } catch {
    sameOrigin = false;
  }
  const cookie = cookieValue(request.headers.get("cookie"), FORM_COOKIE);
  if (!sameOrigin || cookie === undefined || !safeEqual(cookie, text(form, "_csrf"))) {
    throw new ServiceError("forbidden", "This form expired or came from another site: reload the page and try again");
  }
}

// Responses
// No inline script or style anywhere, so the policy can forbid both: an injected tag would not run.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function htmlResponse(page: Html, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(`<!doctype html>\n${page.html}`, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "same-origin",
      ...headers,
    },
  });
}

export function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store", ...headers } });
}

export function jsonResponse(value: unknown, status = 200): Response {
  return Response.json(value, { status, headers: { "cache-control": "no-store" } });
}

/** The progressive-enhancement scripts ask for JSON; plain form posts get a page. */
export function wantsJson(request: Request): boolean {
  return (request.headers.get("accept") ?? "").includes("application/json");
}

/** A sign-in return path that can only point inside the dashboard (no open redirect). */
export function safeNext(next: string | undefined): string {
  return next !== undefined && /^\/dashboard(\/[^\s\\]*)?(\?[^\s\\]*)?$/.test(next) && !next.startsWith("//") ? next : "/dashboard/apps";
}

/** A mistake the user can fix (bad input, plan cap, wrong CSRF), with its status; undefined for bugs. */
export function userError(err: unknown): { status: number; message: string } | undefined {
  if (err instanceof ServiceError) return { status: ERROR_STATUS[err.kind], message: err.message };
  if (err instanceof HttpError) return { status: err.status, message: err.message };
  if (err instanceof QuotaExceededError) return { status: 403, message: err.message };
  if (err instanceof StoreUnavailable) return { status: 503, message: STORE_DOWN };
  return undefined;
}

/** Wraps a route: every error becomes a response here, so routes only handle their own re-renders. */
export function route(deps: DashboardDeps, fn: (ctx: Ctx) => Response | Promise<Response>) {
  // Elysia's context is typed per route; the dashboard only reads the Ctx subset of it.
  return async (ctx: any): Promise<Response> => {
    try {
      await authenticate(deps, ctx.request);
      return await fn(ctx);
    } catch (err) {
      return failure(deps, ctx.request, err);
    }
  };
}

function failure(deps: DashboardDeps, request: Request, err: unknown): Response {
  const url = new URL(request.url);
  const machine = wantsJson(request) || url.pathname.endsWith(".json") || url.pathname.endsWith("/stream");
  if (err instanceof SignInRequired) {
    if (machine) return jsonResponse({ error: "Sign in first" }, 401);
    return redirect(`/dashboard/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  }
  const viewer = viewerOf(deps, request);
  if (err instanceof PageNotFound || (err instanceof ServiceError && err.kind === "not_found")) {
    return machine ? jsonResponse({ error: "Not found" }, 404) : htmlResponse(notFoundPage(viewer), 404);
  }
  const known = userError(err);
  if (known !== undefined) return machine ? jsonResponse({ error: known.message }, known.status) : htmlResponse(errorPage(viewer, known.message), known.status);
  console.error("mawjly: dashboard internal error:", err);
  const message = "Something went wrong on the server; the error was logged.";
  return machine ? jsonResponse({ error: message }, 500) : htmlResponse(errorPage(viewer, message), 500);
}
