/**
 * Admin routes of the management API: accounts (create, read, change plan/password/admin flag,
 * delete with their apps and sessions), plans (create, change, delete when unused) and the guard
 * rails (the last admin stays, unknown plans are refused), each error with its exact envelope.
 */
import { beforeAll, expect, test } from "bun:test";
import { serverSdk } from "../support/clients";
import { startServer, useServer } from "../support/server";
import { ApiClient, cleanup, connectedClient, expectError, expectReply, eventually, newAccount, PASSWORD, setupAdmin, signIn } from "./api-helpers";

const server = useServer({ cleanup });
let admin: ApiClient;

beforeAll(async () => {
  admin = await setupAdmin(server());
});

test("create accounts: defaults, duplicates, unknown plans and bad input", async () => {
  const created = await admin.post("/accounts", { email: "Zoe@Example.com", password: PASSWORD });
  expect(created.status).toBe(201);
  expect(created.body).toEqual({ id: expect.any(String), email: "zoe@example.com", name: "zoe", isAdmin: false, planId: "free", createdAt: expect.any(String) });
  const op = await admin.post("/accounts", { email: "op@example.com", name: "Operator", password: PASSWORD, isAdmin: true });
  expect(op.body).toMatchObject({ name: "Operator", isAdmin: true, planId: "unlimited" });
  expect((await admin.get(`/accounts/${created.body.id}`)).body).toEqual(created.body);

  expectError(await admin.post("/accounts", { email: "zoe@example.com", password: PASSWORD }), 409, "conflict", "An account with email zoe@example.com already exists");
  expectError(await admin.post("/accounts", { email: "gold@example.com", password: PASSWORD, planId: "gold" }), 400, "invalid", "No plan 'gold'");
  expectError(await admin.post("/accounts", { email: "no-at-sign", password: PASSWORD }), 400, "invalid", "Invalid email address 'no-at-sign'");
  expectError(await admin.post("/accounts", { email: "short@example.com", password: "123" }), 400, "invalid", "Password must be at least 10 characters");
  expectError(await admin.post("/accounts", { email: "x@example.com", password: PASSWORD, isAdmin: "yes" }), 400, "invalid", "Invalid request: isAdmin: Expected boolean");
  expectError(await admin.get("/accounts/nope"), 404, "not_found", "No account 'nope'");
  expectError(await admin.patch("/accounts/nope", { name: "x" }), 404, "not_found", "No account 'nope'");
  expectError(await admin.delete("/accounts/nope"), 404, "not_found", "No account 'nope'");

  const list = (await admin.get("/accounts")).body;
  expect(list.total).toBe(3);
  expect(list.items.every((a: Record<string, unknown>) => !("passwordHash" in a))).toBe(true);
});

test("change an account: plan, name, password and the admin flag take effect at once", async () => {
  const yan = await newAccount(admin, "yan@example.com");
  const id = yan.account!.id;
  const changed = await admin.patch(`/accounts/${id}`, { planId: "business", name: "Yan" });
  expect(changed.body).toMatchObject({ id, name: "Yan", planId: "business", isAdmin: false });
  expect((await yan.get("/me")).body.plan.id).toBe("business");
  expectError(await admin.patch(`/accounts/${id}`, { planId: "gold" }), 400, "invalid", "No plan 'gold'");
  expectError(await admin.patch(`/accounts/${id}`, { password: "short" }), 400, "invalid", "Password must be at least 10 characters");

  expect((await admin.patch(`/accounts/${id}`, { password: "a brand new password" })).status).toBe(200);
  expectError(await new ApiClient(server()).post("/session", { email: "yan@example.com", password: PASSWORD }), 400, "invalid", "Wrong email or password");
  // A new password ends the sessions opened with the old one.
  expectError(await yan.get("/me"), 401, "unauthorized", "Sign in first, or send Authorization: Bearer <token>");
  const yanAgain = await signIn(server(), "yan@example.com", "a brand new password");

  expectError(await yanAgain.get("/accounts"), 404, "not_found", "Not found");
  expect((await admin.patch(`/accounts/${id}`, { isAdmin: true })).body.isAdmin).toBe(true);
  expect((await yanAgain.get("/accounts")).status).toBe(200);
  expect((await admin.patch(`/accounts/${id}`, { isAdmin: false })).body.isAdmin).toBe(false);
  expectError(await yanAgain.get("/accounts"), 404, "not_found", "Not found");
});

test("the last admin can be neither demoted nor deleted", async () => {
  const server2 = await startServer();
  try {
    const only = await setupAdmin(server2);
    const id = only.account!.id;
    expectError(await only.patch(`/accounts/${id}`, { isAdmin: false }), 400, "invalid", "Cannot remove the last admin");
    expectError(await only.delete(`/accounts/${id}`), 400, "invalid", "Cannot delete the last admin");
    expect((await only.get("/me")).body.account.isAdmin).toBe(true);
  } finally {
    expect(await server2.stop()).toBe(0);
  }
});

test("deleting an account deletes its apps and ends its sessions and tokens", async () => {
  const xia = await newAccount(admin, "xia@example.com");
  const token = await xia.withToken();
  const app = await xia.createApp();
  expectReply(await admin.delete(`/accounts/${xia.account!.id}`), 200, {});
  expectError(await admin.get(`/apps/${app.id}`), 404, "not_found", `No app '${app.id}'`);
  expectError(await xia.get("/me"), 401, "unauthorized", "Sign in first, or send Authorization: Bearer <token>");
  expectError(await token.get("/me"), 401, "unauthorized", "Invalid or revoked API token");
  expectError(await admin.get(`/accounts/${xia.account!.id}`), 404, "not_found", `No account '${xia.account!.id}'`);
});

test("deleting an account closes its apps' live connections (4001) and forgets the apps everywhere", async () => {
  const uma = await newAccount(admin, "uma@example.com");
  const app = await uma.createApp();
  const live = await connectedClient(server(), app);
  const errors: unknown[] = [];
  live.connection.bind("error", (e: unknown) => errors.push(e));
  expectReply(await admin.delete(`/accounts/${uma.account!.id}`), 200, {});
  // Within a second, as for every other way an app goes away (CLI, DELETE /apps/:id).
  await eventually(() => live.connection.state, (state) => state === "disconnected", 1000);
  expect(errors[0]).toEqual({ type: "PusherError", data: { code: 4001, message: "App key not found" } });
  expectError(await admin.get(`/apps/${app.id}`), 404, "not_found", `No app '${app.id}'`);
  const trigger = await serverSdk(server(), app).trigger("c", "e", {}).catch((err) => err);
  expect({ status: trigger.status, body: JSON.parse(trigger.body) }).toEqual({ status: 404, body: { error: `App not found: '${app.id}'` } });
});

test("plans: create, change, delete when unused; exact errors", async () => {
  const input = { id: "team", name: "Team", maxApps: 3, maxConnections: 50, maxMessagesPerDay: 1000 };
  const created = await admin.post("/plans", input);
  expect(created.status).toBe(201);
  expect(created.body).toEqual({ ...input, maxAppConnections: 0, createdAt: expect.any(String) });
  expect((await admin.get("/plans")).body.items.map((p: { id: string }) => p.id).sort()).toEqual(["business", "free", "startup", "team", "unlimited"]);

  expectError(await admin.post("/plans", input), 409, "conflict", "A plan 'team' already exists");
  expectError(await admin.post("/plans", { ...input, id: "Bad Id" }), 400, "invalid", "Invalid request: id: Expected string to match '^[a-z0-9-]{1,40}$'");
  expectError(await admin.post("/plans", { ...input, id: "neg", maxApps: -1 }), 400, "invalid", "Invalid request: maxApps: Expected integer to be greater or equal to 0");
  expectError(await admin.post("/plans", { id: "partial", name: "Partial" }), 400, "invalid", "Invalid request: maxApps is required");

  const patched = await admin.patch("/plans/team", { maxApps: 4, name: "Team+" });
  expect(patched.body).toEqual({ ...created.body, maxApps: 4, name: "Team+" });
  expectError(await admin.patch("/plans/nope", { maxApps: 1 }), 404, "not_found", "No plan 'nope'");
  expectError(await admin.patch("/plans/team", { maxApps: "many" }), 400, "invalid", "Invalid request: maxApps: Expected integer");

  const user = await newAccount(admin, "wen@example.com", { planId: "team" });
  expectError(await admin.delete("/plans/team"), 400, "invalid", "Plan 'team' is assigned to accounts; move them first");
  await admin.patch(`/accounts/${user.account!.id}`, { planId: "free" });
  expectReply(await admin.delete("/plans/team"), 200, {});
  expectError(await admin.delete("/plans/team"), 404, "not_found", "No plan 'team'");
});

test("a plan change made through the API applies to the account's app cap at once", async () => {
  await admin.post("/plans", { id: "one-app", name: "One app", maxApps: 1, maxConnections: 0, maxMessagesPerDay: 0 });
  const vic = await newAccount(admin, "vic@example.com", { planId: "one-app" });
  await vic.createApp();
  expectError(await vic.post("/apps", { name: "second" }), 403, "forbidden", "Your plan allows 1 app; delete an app or upgrade your plan to create another");
  await admin.patch("/plans/one-app", { maxApps: 0 });
  expect((await vic.post("/apps", { name: "second" })).status).toBe(201);
});
