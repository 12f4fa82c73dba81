/** Sign-in, sign-out, sign-up (when open) and the first admin's setup: the routes without a caller. */
import { Type } from "@sinclair/typebox";
import type { Elysia } from "elysia";
import { SESSION_COOKIE, SESSION_DAYS } from "../../accounts/auth";
import { ServiceError } from "../../errors";
import { callerOf, type ApiServices } from "../context";

const Login = Type.Object({ email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 200 }) });
const Signup = Type.Object({
  email: Type.String({ maxLength: 254 }),
  name: Type.Optional(Type.String({ maxLength: 100 })),
  password: Type.String({ minLength: 10, maxLength: 200 }),
});
const Setup = Type.Composite([Signup, Type.Object({ token: Type.String() })]);

/** Secure when the request came over HTTPS, directly or through a proxy (X-Forwarded-Proto). */
function sessionCookie(request: Request, token: string, maxAge: number): string {
  const https = new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${https ? "; Secure" : ""}`;
}

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
        return signedIn(request, await s.auth.login(body.email, body.password, clientIp(request, server, s.trustProxy)));
      },
      { body: Login, detail: { tags: ["Session"], summary: "Sign in; sets the session cookie and returns the CSRF token" } },
    )
    .delete(
      "/session",
      ({ request }) => {
        s.auth.logout(callerOf(s, request));
        return new Response(JSON.stringify({}), {
          headers: { "content-type": "application/json", "set-cookie": sessionCookie(request, "", 0) },
        });
      },
      { detail: { tags: ["Session"], summary: "Sign out; revokes the session" } },
    )
    .post(
      "/signup",
      async ({ body, request }) => {
        sameSiteJson(request);
        if (!s.accounts.signupOpen()) throw new ServiceError("forbidden", "Sign-up is closed on this server; ask its operator for an account");
        const account = await s.accounts.create(body);
        return signedIn(request, s.auth.openSession(s.accounts.store.account(account.id)!), 201);
      },
      { body: Signup, detail: { tags: ["Session"], summary: "Create an account (when the operator opened sign-up)" } },
    )
    .post(
      "/setup",
      async ({ body, request }) => {
        sameSiteJson(request);
        const { token, ...input } = body;
        const account = await s.accounts.completeSetup(token, input);
        return signedIn(request, s.auth.openSession(s.accounts.store.account(account.id)!), 201);
      },
      { body: Setup, detail: { tags: ["Session"], summary: "Create the first admin with the one-time setup token" } },
    );
