/**
 * Management API sign-in paths: the one-time setup link, sign-in with its rate limit, sign-out,
 * CSRF for cookie sessions (Bearer tokens need none), personal API tokens, and sign-up closed/open.
 */
import { beforeAll, expect, test } from "bun:test";
import { useServer } from "../support/server";
import { ApiClient, cli, eventually, expectError, expectReply, PASSWORD, sessionCookieOf, sessionFrom, setupToken, signIn, type Reply } from "./api-helpers";

const SIGN_IN_FIRST = "Sign in first, or send Authorization: Bearer <token>";
const SETUP_USED = "This setup link is invalid or was already used";

const server = useServer();
let anonymous: ApiClient;
let admin: ApiClient;
let setupReply: Reply;
let wrongTokenBeforeSetup: Reply;

beforeAll(async () => {
  anonymous = new ApiClient(server());
  wrongTokenBeforeSetup = await anonymous.post("/setup", { token: "not-the-token", email: "admin@example.com", password: PASSWORD });
  setupReply = await anonymous.post("/setup", { token: setupToken(server()), email: "Admin@Example.com", name: "Ada", password: PASSWORD });
  admin = sessionFrom(server(), setupReply);
});

test("the setup link's token creates the first admin once, then stops working", async () => {
  expectError(wrongTokenBeforeSetup, 403, "forbidden", SETUP_USED);
  expect(setupReply.status).toBe(201);
  expect(setupReply.body).toEqual({
    account: { id: expect.any(String), email: "admin@example.com", name: "Ada", isAdmin: true, planId: "unlimited", createdAt: expect.any(String) },
    csrfToken: expect.any(String),
  });
  expect(setupReply.headers.get("set-cookie")).toMatch(/^mawjly_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=1209600$/);
  const me = await admin.get("/me");
  expect(me.status).toBe(200);
  expect(me.body.account.email).toBe("admin@example.com");
  expect(me.body.plan.id).toBe("unlimited");
  expect(me.body.csrfToken).toBe(setupReply.body.csrfToken);

  const again = await anonymous.post("/setup", { token: setupToken(server()), email: "second@example.com", password: PASSWORD });
  expectError(again, 403, "forbidden", SETUP_USED);
  const accounts = await admin.get("/accounts");
  expect(accounts.body.items.map((a: { email: string }) => a.email)).toEqual(["admin@example.com"]);
});

test("sign-in: a wrong password or unknown email is 400, the right one opens a session", async () => {
  expectError(await anonymous.post("/session", { email: "admin@example.com", password: "wrong password" }), 400, "invalid", "Wrong email or password");
  expectError(await anonymous.post("/session", { email: "nobody@example.com", password: PASSWORD }), 400, "invalid", "Wrong email or password");
  expectError(await anonymous.post("/session", { email: "admin@example.com" }), 400, "invalid", "Invalid request: password is required");
  expectError(await anonymous.post("/session", undefined, { raw: "{nope" }), 400, "invalid", "Invalid request: the body is not valid JSON");
  const reply = await anonymous.post("/session", { email: " ADMIN@example.com ", password: PASSWORD });
  expect(reply.status).toBe(200);
  expect(reply.body.account.email).toBe("admin@example.com");
  const session = sessionFrom(server(), reply);
  expect((await session.get("/me")).status).toBe(200);
  // Behind a TLS-terminating proxy the cookie is marked Secure.
  const proxied = await anonymous.post("/session", { email: "admin@example.com", password: PASSWORD }, { headers: { "x-forwarded-proto": "https" } });
  expect(proxied.headers.get("set-cookie")).toEndWith("; Max-Age=1209600; Secure");
});

test("the 6th failed sign-in for one email is refused, even with the right password; other emails still work", async () => {
  await admin.post("/accounts", { email: "limited@example.com", password: PASSWORD });
  for (let i = 1; i <= 5; i++) {
    expectError(await anonymous.post("/session", { email: "limited@example.com", password: `wrong ${i}` }), 400, "invalid", "Wrong email or password");
  }
  const blocked = "Too many failed sign-in attempts; wait 15 minutes and try again";
  expectError(await anonymous.post("/session", { email: "limited@example.com", password: "wrong 6" }), 403, "forbidden", blocked);
  expectError(await anonymous.post("/session", { email: "Limited@Example.com", password: PASSWORD }), 403, "forbidden", blocked);
  expect((await anonymous.post("/session", { email: "admin@example.com", password: PASSWORD })).status).toBe(200);
});

test("sign-out revokes the session: the cookie no longer works", async () => {
  const session = await signIn(server(), "admin@example.com");
  const out = await session.delete("/session");
  expect(out.status).toBe(200);
  expect(out.body).toEqual({});
  expect(out.headers.get("set-cookie")).toMatch(/^mawjly_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0$/);
  expectError(await session.get("/me"), 401, "unauthorized", SIGN_IN_FIRST);
  expectError(await session.post("/tokens", { name: "after sign-out" }), 401, "unauthorized", SIGN_IN_FIRST);
  expectError(await session.delete("/session"), 401, "unauthorized", SIGN_IN_FIRST);
  // Other sessions of the same account are untouched.
  expect((await admin.get("/me")).status).toBe(200);
});

test("no credentials, or a session cookie that was never issued, is 401", async () => {
  expectError(await anonymous.get("/me"), 401, "unauthorized", SIGN_IN_FIRST);
  expectError(await anonymous.get("/apps"), 401, "unauthorized", SIGN_IN_FIRST);
  expectError(await new ApiClient(server(), { cookie: "forged", csrf: "x" }).get("/me"), 401, "unauthorized", SIGN_IN_FIRST);
  expectError(await new ApiClient(server(), { bearer: "mwj_forged" }).get("/me"), 401, "unauthorized", "Invalid or revoked API token");
  expectError(await new ApiClient(server(), { bearer: "not-a-token" }).get("/me"), 401, "unauthorized", "Invalid or revoked API token");
});

test("CSRF: cookie sessions need the same Origin and the CSRF token on changes; Bearer tokens need neither", async () => {
  const crossSite = "Cross-site request refused: Origin does not match this server";
  const wrongToken = "Missing or wrong CSRF token";
  expectError(await admin.post("/tokens", { name: "t" }, { origin: null, csrf: null }), 403, "forbidden", crossSite);
  expectError(await admin.post("/tokens", { name: "t" }, { origin: null }), 403, "forbidden", crossSite);
  expectError(await admin.post("/tokens", { name: "t" }, { origin: "http://evil.example" }), 403, "forbidden", crossSite);
  expectError(await admin.post("/tokens", { name: "t" }, { csrf: null }), 403, "forbidden", wrongToken);
  expectError(await admin.post("/tokens", { name: "t" }, { csrf: "not-the-token" }), 403, "forbidden", wrongToken);
  expectError(await admin.delete("/session", { csrf: null }), 403, "forbidden", wrongToken);
  expectError(await admin.patch("/settings", { signupOpen: false }, { origin: null }), 403, "forbidden", crossSite);
  expect((await admin.get("/tokens")).body.items).toEqual([]);

  const ok = await admin.post("/tokens", { name: "with both" });
  expect(ok.status).toBe(201);
  // A same-origin Referer stands in for a missing Origin.
  const referer = await admin.post("/tokens", { name: "via referer" }, { origin: null, headers: { referer: `${server().url}/dashboard` } });
  expect(referer.status).toBe(201);
  // Reads need no CSRF token.
  expect((await admin.get("/tokens", { origin: null, csrf: null })).status).toBe(200);

  const script = new ApiClient(server(), { bearer: ok.body.token });
  const app = await script.post("/apps", { name: "from a script" });
  expect(app.status).toBe(201);
  expect((await script.delete(`/apps/${app.body.id}`, { headers: { origin: "http://evil.example" } })).status).toBe(200);
});

test("a Bearer request needs no Origin and no CSRF token, even on changes; a cookie request without Origin is refused", async () => {
  const token = (await admin.post("/tokens", { name: "curl" })).body.token;
  // As curl sends it: no Origin, no Referer, no cookie, no X-CSRF-Token.
  const curl = (method: string, path: string, body?: unknown) =>
    fetch(`${server().url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const app = await curl("POST", "/apps", { name: "from curl" });
  expect(app.status).toBe(201);
  const { id } = (await app.json()) as { id: string };
  expect((await curl("PATCH", `/apps/${id}`, { name: "renamed by curl" })).status).toBe(200);
  expect((await curl("POST", "/tokens", { name: "made by a token" })).status).toBe(201);
  expect({ status: (await curl("DELETE", `/apps/${id}`)).status }).toEqual({ status: 200 });
  // The same change with the session cookie and no Origin is still refused.
  expectError(await admin.post("/apps", { name: "no origin" }, { origin: null }), 403, "forbidden", "Cross-site request refused: Origin does not match this server");
});

test("personal API tokens: shown once, work as Bearer, listed without values, 401 once revoked", async () => {
  expectError(await admin.post("/tokens", { name: "" }), 400, "invalid", "Name must not be empty");
  expectError(await admin.post("/tokens", {}), 400, "invalid", "Invalid request: name is required");
  const created = await admin.post("/tokens", { name: "ci" });
  expect(created.status).toBe(201);
  expect(created.body).toEqual({ id: expect.any(String), name: "ci", createdAt: expect.any(String), lastUsedAt: null, revokedAt: null, token: expect.stringMatching(/^mwj_[A-Za-z0-9_-]{40}$/) });
  const bearer = new ApiClient(server(), { bearer: created.body.token });
  const me = await bearer.get("/me");
  expect(me.status).toBe(200);
  expect(me.body.account.email).toBe("admin@example.com");
  expect(me.body.csrfToken).toBeNull();

  const listed = (await admin.get("/tokens")).body.items.find((t: { id: string }) => t.id === created.body.id);
  expect(listed).toEqual({ id: created.body.id, name: "ci", createdAt: created.body.createdAt, lastUsedAt: expect.any(String), revokedAt: null });

  const revoked = await admin.delete(`/tokens/${created.body.id}`);
  expect({ status: revoked.status, body: revoked.body }).toEqual({ status: 200, body: {} });
  expectError(await bearer.get("/me"), 401, "unauthorized", "Invalid or revoked API token");
  expectError(await bearer.post("/apps", { name: "x" }), 401, "unauthorized", "Invalid or revoked API token");
  expectError(await admin.delete(`/tokens/${created.body.id}`), 404, "not_found", `No active token '${created.body.id}'`);
  const after = (await admin.get("/tokens")).body.items.find((t: { id: string }) => t.id === created.body.id);
  expect(after.revokedAt).toEqual(expect.any(String));
});

test("sign-up: closed by default (403), opened by the CLI or by an admin, new accounts get the free plan and a session", async () => {
  const closed = "Sign-up is closed on this server; ask its operator for an account";
  expectError(await anonymous.post("/signup", { email: "early@example.com", password: PASSWORD }), 403, "forbidden", closed);
  expect((await admin.get("/settings")).body).toEqual({ signupOpen: false });

  expect(cli(server(), ["accounts", "signup", "open"])).toBe("Sign-up is now open\n");
  const first = await eventually(() => anonymous.post("/signup", { email: "first@example.com", password: PASSWORD }), (r) => r.status !== 403);
  expect(first.status).toBe(201);
  expect(first.body.account).toEqual({ id: expect.any(String), email: "first@example.com", name: "first", isAdmin: false, planId: "free", createdAt: expect.any(String) });
  sessionCookieOf(first);
  const me = await sessionFrom(server(), first).get("/me");
  expect(me.body.plan).toEqual({ id: "free", name: "Free", maxApps: 2, maxConnections: 100, maxAppConnections: 0, maxMessagesPerDay: 200000, createdAt: "2026-01-01T00:00:00.000Z" });
  expect(me.body.usage).toEqual({ apps: 0, connections: 0, messagesToday: 0 });

  expectError(await anonymous.post("/signup", { email: "first@example.com", password: PASSWORD }), 409, "conflict", "An account with email first@example.com already exists");
  expectError(await anonymous.post("/signup", { email: "short@example.com", password: "short" }), 400, "invalid", "Password must be at least 10 characters");
  expectError(await anonymous.post("/signup", { email: "long@example.com", password: "x".repeat(201) }), 400, "invalid", "Password must be at most 200 characters");
  // Sign-up cannot choose admin rights or a plan.
  expectError(await anonymous.post("/signup", { email: "sneaky@example.com", password: PASSWORD, isAdmin: true }), 400, "invalid", "Invalid request: isAdmin: Unexpected property");
  expectError(await anonymous.post("/signup", { email: "sneaky@example.com", password: PASSWORD, planId: "unlimited" }), 400, "invalid", "Invalid request: planId: Unexpected property");
  expectError(await anonymous.post("/signup", { email: "not-an-email", password: PASSWORD }), 400, "invalid", "Invalid email address 'not-an-email'");

  expectReply(await admin.patch("/settings", { signupOpen: false }), 200, { signupOpen: false });
  expectError(await anonymous.post("/signup", { email: "late@example.com", password: PASSWORD }), 403, "forbidden", closed);
  expectReply(await admin.patch("/settings", { signupOpen: true }), 200, { signupOpen: true });
  const second = await anonymous.post("/signup", { email: "second@example.com", name: "Second", password: PASSWORD });
  expect(second.status).toBe(201);
  expect(second.body.account.planId).toBe("free");
  expectError(await admin.patch("/settings", { signupOpen: "yes" }), 400, "invalid", "Invalid request: signupOpen: Expected boolean");
});
