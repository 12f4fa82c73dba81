/**
 * HTTP plumbing shared by the two browser-facing edges, the management API (src/api) and the
 * dashboard (src/dashboard): reading cookies, the session cookie's attributes, where a request came
 * from (for CSRF checks), and the one map from a service error's kind to its HTTP status.
 */
import { SESSION_COOKIE } from "../accounts/auth";
import type { ServiceErrorKind } from "../errors";

/** The HTTP status of each error a user can cause through a service (src/errors.ts). */
export const ERROR_STATUS: Record<ServiceErrorKind, number> = { invalid: 400, forbidden: 403, not_found: 404, conflict: 409 };

/** What a user reads when the store cannot be reached; the detail (which host, why) goes to the log. */
export const STORE_DOWN = "The database is unavailable right now; nothing was changed. Try again in a moment.";

export function cookieValue(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The session cookie's value sent with a request, if any. */
export function sessionToken(request: Request): string | undefined {
  return cookieValue(request.headers.get("cookie"), SESSION_COOKIE);
}

/** HTTPS directly, or through a TLS-terminating proxy that sets X-Forwarded-Proto. */
export function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}

/**
 * The one session cookie both edges set: HttpOnly (no script reads it), SameSite=Lax (not sent on
 * cross-site posts), Secure when the request came over HTTPS. A maxAge of 0 deletes it.
 */
export function sessionCookie(request: Request, token: string, maxAge: number): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${isHttps(request) ? "; Secure" : ""}`;
}

/** Where a request came from for CSRF checks: its Origin, else its Referer's origin, else null. */
export function requestOrigin(request: Request): string | null {
  const origin = request.headers.get("origin");
  if (origin !== null) return origin;
  try {
    return new URL(request.headers.get("referer") ?? "").origin;
  } catch {
    return null;
  }
}
