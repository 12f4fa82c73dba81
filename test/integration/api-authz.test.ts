/**
 * Authorization in the management API: anything not yours answers 404 in the error envelope, exactly
 * like something that does not exist (never a 403 that would confirm it exists). Account B probing
 * account A's app, non-admins on admin routes, and what admins may see.
 */
import { beforeAll, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { useServer } from "../support/server";
import { ApiClient, expectError, newAccount, PASSWORD, setupAdmin, type Reply } from "./api-helpers";

const server = useServer();
let admin: ApiClient;
let alice: ApiClient;
let bob: ApiClient;
let bobToken: ApiClient;
let aliceApp: App;

beforeAll(async () => {
  admin = await setupAdmin(server());
  [alice, bob] = await Promise.all([newAccount(admin, "alice@example.com"), newAccount(admin, "bob@example.com")]);
  bobToken = await bob.withToken();
  aliceApp = await alice.createApp({ name: "alice's app" });
});

/** Every per-app request, with a body that would succeed for the owner. */
function appProbes(caller: ApiClient, id: string, key: string): Array<[string, Promise<Reply>]> {
  return [
    ["GET /apps/:id", caller.get(`/apps/${id}`)],
    ["PATCH /apps/:id", caller.patch(`/apps/${id}`, { name: "taken over" })],
    ["DELETE /apps/:id", caller.delete(`/apps/${id}`)],
    ["GET /apps/:id/keys", caller.get(`/apps/${id}/keys`)],
    ["POST /apps/:id/keys", caller.post(`/apps/${id}/keys`)],
    ["DELETE /apps/:id/keys/:key", caller.delete(`/apps/${id}/keys/${key}`)],
    ["GET /apps/:id/live", caller.get(`/apps/${id}/live`)],
    ["GET /apps/:id/usage", caller.get(`/apps/${id}/usage`)],
    ["POST /apps/:id/events", caller.post(`/apps/${id}/events`, { name: "x", data: "{}", channel: "c" })],
  ];
}

async function expectAllNotFound(probes: Array<[string, Promise<Reply>]>, message: string): Promise<void> {
  const replies = await Promise.all(probes.map(async ([what, reply]) => [what, await reply] as const));
  for (const [what, reply] of replies) {
    expect({ what, status: reply.status, body: reply.body }).toEqual({ what, status: 404, body: { error: { code: "not_found", message } } });
  }
}

test("account B probing account A's app id gets 404 on every per-app endpoint, session or token", async () => {
  const message = `No app '${aliceApp.id}'`;
  await expectAllNotFound(appProbes(bob, aliceApp.id, aliceApp.key), message);
  await expectAllNotFound(appProbes(bobToken, aliceApp.id, aliceApp.key), message);
  // Nothing changed: the app, its name and its single key are as Alice left them.
  const mine = await alice.get(`/apps/${aliceApp.id}`);
  expect(mine.status).toBe(200);
  expect(mine.body.name).toBe("alice's app");
  expect((await alice.get(`/apps/${aliceApp.id}/keys`)).body.items.map((k: { key: string }) => k.key)).toEqual([aliceApp.key]);
});

test("an app id that does not exist answers the same 404 as someone else's app", async () => {
  await expectAllNotFound(appProbes(bob, "9999999", "nokey"), "No app '9999999'");
  await expectAllNotFound(appProbes(alice, "9999999", "nokey"), "No app '9999999'");
});

test("apps lists are per account; ?all=1 only widens an admin's list", async () => {
  const bobApp = await bob.createApp({ name: "bob's app" });
  const ids = (r: Reply) => r.body.items.map((a: { id: string }) => a.id).sort();
  expect(ids(await bob.get("/apps"))).toEqual([bobApp.id]);
  expect(ids(await bob.get("/apps?all=1"))).toEqual([bobApp.id]);
  expect(ids(await alice.get("/apps"))).toEqual([aliceApp.id]);
  expect(ids(await admin.get("/apps"))).toEqual([]);
  expect(ids(await admin.get("/apps?all=1"))).toEqual([aliceApp.id, bobApp.id].sort());
});

test("an app made with the CLI belongs to no account: 404 to accounts, visible to admins", async () => {
  const operatorApp = server().createApp();
  expectError(await alice.get(`/apps/${operatorApp.id}`), 404, "not_found", `No app '${operatorApp.id}'`);
  const seen = await admin.get(`/apps/${operatorApp.id}`);
  expect(seen.status).toBe(200);
  expect(seen.body.accountId).toBeNull();
  // Admins may act on any app, e.g. read another account's keys.
  expect((await admin.get(`/apps/${aliceApp.id}/keys`)).status).toBe(200);
});

test("non-admins get 404 'Not found' on every admin route, and nothing changes", async () => {
  const plan = { id: "sneaky", name: "Sneaky", maxApps: 0, maxConnections: 0, maxMessagesPerDay: 0 };
  const aliceId = alice.account!.id;
  for (const caller of [bob, bobToken]) {
    const probes: Array<[string, Promise<Reply>]> = [
      ["GET /accounts", caller.get("/accounts")],
      ["POST /accounts", caller.post("/accounts", { email: "mallory@example.com", password: PASSWORD, isAdmin: true })],
      ["GET /accounts/:id", caller.get(`/accounts/${aliceId}`)],
      ["PATCH /accounts/:id", caller.patch(`/accounts/${caller.account!.id}`, { isAdmin: true })],
      ["DELETE /accounts/:id", caller.delete(`/accounts/${aliceId}`)],
      ["POST /plans", caller.post("/plans", plan)],
      ["PATCH /plans/:id", caller.patch("/plans/free", { maxApps: 0 })],
      ["DELETE /plans/:id", caller.delete("/plans/business")],
      ["GET /settings", caller.get("/settings")],
      ["PATCH /settings", caller.patch("/settings", { signupOpen: true })],
    ];
    await expectAllNotFound(probes, "Not found");
  }
  const plans = (await admin.get("/plans")).body.items.map((p: { id: string }) => p.id).sort();
  expect(plans).toEqual(["business", "free", "startup", "unlimited"]);
  expect((await admin.get("/plans")).body.items.find((p: { id: string }) => p.id === "free").maxApps).toBe(2);
  expect((await admin.get("/settings")).body).toEqual({ signupOpen: false });
  const accounts = (await admin.get("/accounts")).body.items.map((a: { email: string; isAdmin: boolean }) => [a.email, a.isAdmin]);
  expect(accounts.sort()).toEqual([["admin@example.com", true], ["alice@example.com", false], ["bob@example.com", false]]);
});

test("any signed-in account may read the plans; nobody else", async () => {
  const plans = await bob.get("/plans");
  expect(plans.status).toBe(200);
  expect(plans.body.items.find((p: { id: string }) => p.id === "startup")).toEqual({
    id: "startup", name: "Startup", maxApps: 10, maxConnections: 2000, maxAppConnections: 0, maxMessagesPerDay: 10000000, createdAt: "2026-01-01T00:00:00.000Z",
  });
  expectError(await new ApiClient(server()).get("/plans"), 401, "unauthorized", "Sign in first, or send Authorization: Bearer <token>");
});

test("an account cannot revoke another account's API token", async () => {
  const created = await alice.post("/tokens", { name: "alice's" });
  expectError(await bob.delete(`/tokens/${created.body.id}`), 404, "not_found", `No active token '${created.body.id}'`);
  expect((await bob.get("/tokens")).body.items.map((t: { name: string }) => t.name)).toEqual(["script"]);
  const stillWorks = await new ApiClient(server(), { bearer: created.body.token }).get("/me");
  expect(stillWorks.body.account.email).toBe("alice@example.com");
});
