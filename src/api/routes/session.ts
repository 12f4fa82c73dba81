/** Sign-in, sign-out, sign-up (when open) and the first admin's setup: the routes without a caller. */
import type { Elysia } from "elysia";
import { SESSION_DAYS } from "../../accounts/auth";
import { ServiceError } from "../../errors";
import { sessionCookie } from "../../web/http";
import { callerOf, type ApiServices } from "../context";
import { operation } from "../docs";

type Credentials = { email: string; name?: string; password: string };

/**
 * The client's address for login rate limits. Behind a reverse proxy every request comes from the
 * proxy, so with trustProxy (MAWJLY_TRUST_PROXY=1, src/config) the first X-Forwarded-For address is used
 * instead (only set it when a proxy you run always sets that header: clients could otherwise choose their own address).
 */
export function clientIp(request: Request, server: { requestIP(r: Request): { address: string } | null } | null, trustProxy = false): string {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  return server?.requestIP(request)?.address ?? "unknown";
}

/**
 * Login CSRF: these routes open a session without having one, so they only accept JSON (which a
 * cross-site form cannot send without a preflight) and refuse a foreign Origin.
 */
function sameSiteJson(request: Request): void {
  if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
    throw new ServiceError("invalid", "Send the body as JSON (Content-Type: application/json)");
  }
  const origin = request.headers.get("origin");
  if (origin === null) return;
  let host: string | null = null;
  try {
    host = new URL(origin).host;
  } catch {
    host = null;
  }
  if (host !== request.headers.get("host")) {
    throw new ServiceError("forbidden", "Cross-site request refused: Origin does not match this server");
  }
}

function signedIn(request: Request, session: { token: string; csrf: string; caller: { account: unknown } }, status = 200) {
  return new Response(JSON.stringify({ account: session.caller.account, csrfToken: session.csrf }), {
    status,
    headers: { "content-type": "application/json", "set-cookie": sessionCookie(request, session.token, SESSION_DAYS * 86400) },
  });
}

export const sessionRoutes = (s: ApiServices) => (app: Elysia<any, any, any, any, any, any, any>) =>
  app
    .post(
      "/session",
      async ({ body, request, server }) => {
        sameSiteJson(request);
        const { email, password } = body as Credentials;
        return signedIn(request, await s.auth.login(email, password, clientIp(request, server, s.trustProxy)));
      },
      operation({
        tag: "Session",
        summary: "Sign in",
        description: "Sets the session cookie and returns the CSRF token to send as X-CSRF-Token on changes. Five failed attempts for one email block it for 15 minutes.",
        access: "public",
        body: "Login",
        ok: [200, "SignedIn"],
        errors: [400, 403],
      }),
    )
    .delete(
      "/session",
      async ({ request }) => {
        await s.auth.logout(callerOf(s, request));
        return new Response(JSON.stringify({}), {
          headers: { "content-type": "application/json", "set-cookie": sessionCookie(request, "", 0) },
        });
      },
      operation({ tag: "Session", summary: "Sign out", description: "Revokes the session and clears its cookie.", access: "change", ok: [200, "Empty"] }),
    )
    .post(
      "/signup",
      async ({ body, request }) => {
        sameSiteJson(request);
        if (!(await s.accounts.signupOpen())) throw new ServiceError("forbidden", "Sign-up is closed on this server; ask its operator for an account");
        // Only these fields: the service also takes isAdmin and planId, which are not the caller's to choose.
        const { email, name, password } = body as Credentials;
        const account = await s.accounts.create({ email, name, password });
        return signedIn(request, await s.auth.openSession((await s.accounts.store.account(account.id))!), 201);
      },
      operation({
        tag: "Session",
        summary: "Create an account",
        description: "Only when the operator opened sign-up; the new account gets the free plan and a session.",
        access: "public",
        body: "Signup",
        ok: [201, "SignedIn"],
        errors: [400, 403, 409],
      }),
    )
    .post(
      "/setup",
      async ({ body, request }) => {
        sameSiteJson(request);
        const { token, email, name, password } = body as Credentials & { token: string };
        const input = { email, name, password };
        const account = await s.accounts.completeSetup(token, input);
        return signedIn(request, await s.auth.openSession((await s.accounts.store.account(account.id))!), 201);
      },
      operation({
        tag: "Session",
        summary: "Create the first admin",
        description: "With the token of the one-time setup link the server printed at its first start.",
        access: "public",
        body: "Setup",
        ok: [201, "SignedIn"],
        errors: [400, 403],
      }),
    );
