/**
 * AccountStore with AccountService and AuthService over the store port, on each dialect: accounts,
 * email uniqueness (the same 409 whatever the case, also for two inserts at once), plans, sessions
 * and their expiry, API tokens, operator settings, the single-use setup token and the last admin.
 */
import { expect, test } from "bun:test";
import { AuthService } from "../../src/accounts/auth";
import { AccountService, sha256 } from "../../src/accounts/service";
import { AccountStore, isUniqueViolation } from "../../src/accounts/store";
import { MemoryCounters } from "../../src/adapters/counters/memory";
import { systemClock } from "../../src/engine/ports";
import { ServiceError } from "../../src/errors";
import type { Store } from "../../src/store/open";
import { describeStores } from "../support/postgres";

const PASSWORD = "long enough password";

/** A ServiceError's kind and message, or the error itself when it is anything else. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err instanceof ServiceError ? { kind: err.kind, message: err.message } : err;
  }
  throw new Error("expected a failure");
}

describeStores("AccountStore", (fresh: () => Promise<Store>) => {
  let now = new Date("2026-06-01T12:00:00.000Z");
  const clock = () => now;
  async function services() {
    now = new Date("2026-06-01T12:00:00.000Z");
    const store = new AccountStore((await fresh()).db);
    const accounts = new AccountService(store, clock);
    return { store, accounts, auth: new AuthService(accounts, new MemoryCounters(systemClock), clock) };
  }

  test("accounts: create, read, list in creation order, update, delete", async () => {
    const { store, accounts } = await services();
    const ann = await accounts.create({ email: "  Ann@Example.COM ", password: PASSWORD, isAdmin: true });
    expect(ann).toMatchObject({ email: "ann@example.com", name: "ann", isAdmin: true, planId: "unlimited", createdAt: now.toISOString() });
    expect(ann).not.toHaveProperty("passwordHash");
    now = new Date(now.getTime() + 1000);
    const bob = await accounts.create({ email: "bob@example.com", name: "Bob", password: PASSWORD });
    expect(bob.planId).toBe("free");

    expect(await accounts.get(ann.id)).toEqual(ann);
    expect((await store.accountByEmail("ANN@example.com"))?.id).toBe(ann.id);
    expect(await accounts.list(10, 0)).toEqual({ items: [ann, bob], total: 2 });
    expect(await accounts.list(1, 1)).toEqual({ items: [bob], total: 2 });
    expect(await accounts.count()).toBe(2);

    const changed = await accounts.update(bob.id, { name: "Robert", planId: "startup", isAdmin: true });
    expect(changed).toEqual({ ...bob, name: "Robert", planId: "startup", isAdmin: true });
    expect(await failure(accounts.update(bob.id, { planId: "nope" }))).toEqual({ kind: "invalid", message: "No plan 'nope'" });
    expect(await failure(accounts.get("missing"))).toEqual({ kind: "not_found", message: "No account 'missing'" });

    await accounts.delete(bob.id);
    expect(await accounts.list(10, 0)).toEqual({ items: [ann], total: 1 });
    expect(await failure(accounts.delete(bob.id))).toEqual({ kind: "not_found", message: `No account '${bob.id}'` });
  });

  test("an email is taken whatever its case: the same 409, also for two creations at once", async () => {
    const { store, accounts } = await services();
    await accounts.create({ email: "carol@example.com", password: PASSWORD });
    const taken = { kind: "conflict", message: "An account with email carol@example.com already exists" };
    expect(await failure(accounts.create({ email: "Carol@Example.com", password: PASSWORD }))).toEqual(taken);

    const results = await Promise.allSettled([
      accounts.create({ email: "dave@example.com", password: PASSWORD }),
      accounts.create({ email: "DAVE@example.com", password: PASSWORD }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect({ kind: refused.reason.kind, message: refused.reason.message }).toEqual({
      kind: "conflict",
      message: "An account with email dave@example.com already exists",
    });
    // The unique index itself refuses a duplicate that skips the service's check.
    const dave = (await store.accountByEmail("dave@example.com"))!;
    const err = await store.insertAccount({ ...dave, id: "another" }).catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
  });

  test("plans: create, refuse a duplicate, change, delete only when unused; smallest first, unlimited last", async () => {
    const { accounts } = await services();
    const input = { id: "team", name: "Team", maxApps: 3, maxConnections: 50, maxMessagesPerDay: 1000 };
    const team = await accounts.createPlan(input);
    expect(team).toEqual({ ...input, maxAppConnections: 0, createdAt: now.toISOString() });
    expect(await failure(accounts.createPlan({ ...input, name: "Again" }))).toEqual({ kind: "conflict", message: "A plan 'team' already exists" });
    expect((await accounts.plans()).map((p) => p.id)).toEqual(["free", "team", "startup", "business", "unlimited"]);

    expect(await accounts.updatePlan("team", { maxApps: 4, name: "Team+" })).toEqual({ ...team, maxApps: 4, name: "Team+" });
    expect(await accounts.plan("team")).toEqual({ ...team, maxApps: 4, name: "Team+" });
    expect(await failure(accounts.updatePlan("nope", { maxApps: 1 }))).toEqual({ kind: "not_found", message: "No plan 'nope'" });

    const user = await accounts.create({ email: "erin@example.com", password: PASSWORD, planId: "team" });
    expect(await accounts.planOf(user.id)).toMatchObject({ id: "team", maxApps: 4 });
    expect(await failure(accounts.deletePlan("team"))).toEqual({ kind: "invalid", message: "Plan 'team' is assigned to accounts; move them first" });
    await accounts.update(user.id, { planId: "free" });
    await accounts.deletePlan("team");
    expect(await failure(accounts.deletePlan("team"))).toEqual({ kind: "not_found", message: "No plan 'team'" });
    expect(await accounts.planOf("missing")).toBeUndefined();
  });

  test("sessions: open, look up, expire after 14 days (and are removed), sign out; a new password ends them", async () => {
    const { store, accounts, auth } = await services();
    const frank = await accounts.create({ email: "frank@example.com", password: PASSWORD });
    const signedIn = await auth.login("Frank@example.com", PASSWORD, "10.0.0.1");
    expect(signedIn.caller.account).toEqual(frank);
    const caller = await auth.fromSession(signedIn.token);
    expect(caller).toEqual({ account: frank, via: "session", csrf: signedIn.csrf, sessionHash: sha256(signedIn.token) });
    expect(await auth.fromSession("never-issued")).toBeUndefined();
    expect(await failure(auth.login("frank@example.com", "wrong password!", "10.0.0.1"))).toEqual({ kind: "invalid", message: "Wrong email or password" });

    now = new Date(now.getTime() + 14 * 86_400_000);
    expect(await auth.fromSession(signedIn.token)).toBeUndefined();
    expect(await store.session(sha256(signedIn.token))).toBeUndefined();

    const second = await auth.login("frank@example.com", PASSWORD, "10.0.0.1");
    await auth.logout((await auth.fromSession(second.token))!);
    expect(await auth.fromSession(second.token)).toBeUndefined();

    const third = await auth.login("frank@example.com", PASSWORD, "10.0.0.1");
    await accounts.update(frank.id, { password: "another long password" });
    expect(await auth.fromSession(third.token)).toBeUndefined();
  });

  test("API tokens: created once, listed without values, used as Bearer, revoked once", async () => {
    const { accounts, auth } = await services();
    const gina = await accounts.create({ email: "gina@example.com", password: PASSWORD });
    const other = await accounts.create({ email: "hank@example.com", password: PASSWORD });
    const { token, info } = await auth.createToken(gina.id, " deploy ");
    expect(info).toEqual({ id: info.id, name: "deploy", createdAt: now.toISOString(), lastUsedAt: null, revokedAt: null });
    expect(await failure(auth.createToken(gina.id, " "))).toEqual({ kind: "invalid", message: "A token needs a name of 1–100 characters" });

    now = new Date(now.getTime() + 60_000);
    expect(await auth.fromBearer(token)).toEqual({ account: gina, via: "token" });
    expect(await auth.fromBearer("mwj_unknown")).toBeUndefined();
    expect(await auth.tokens(gina.id)).toEqual([{ ...info, lastUsedAt: now.toISOString() }]);
    expect(await auth.tokens(other.id)).toEqual([]);

    const gone = { kind: "not_found", message: `No active token '${info.id}'` };
    expect(await failure(auth.revokeToken(other.id, info.id))).toEqual(gone);
    await auth.revokeToken(gina.id, info.id);
    expect(await auth.fromBearer(token)).toBeUndefined();
    expect((await auth.tokens(gina.id))[0]!.revokedAt).toBe(now.toISOString());
    expect(await failure(auth.revokeToken(gina.id, info.id))).toEqual(gone);
  });

  test("settings: sign-up closed by default; the setup token makes one first admin, even from two submissions at once", async () => {
    const { accounts } = await services();
    expect(await accounts.signupOpen()).toBe(false);
    await accounts.setSignupOpen(true);
    expect(await accounts.signupOpen()).toBe(true);
    await accounts.setSignupOpen(false);
    expect(await accounts.signupOpen()).toBe(false);

    const replaced = await accounts.newSetupToken();
    const token = await accounts.newSetupToken();
    expect(await accounts.setupTokenValid(replaced)).toBe(false);
    expect(await accounts.setupTokenValid(token)).toBe(true);
    const results = await Promise.allSettled([
      accounts.completeSetup(token, { email: "first@example.com", password: PASSWORD }),
      accounts.completeSetup(token, { email: "second@example.com", password: PASSWORD }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason.message).toBe("This setup link is invalid or was already used");
    expect((await accounts.list(10, 0)).items.map((a) => [a.isAdmin, a.planId])).toEqual([[true, "unlimited"]]);
    expect(await accounts.setupTokenValid(token)).toBe(false);
  });

  test("the last admin can be neither demoted nor deleted", async () => {
    const { accounts } = await services();
    const ivy = await accounts.create({ email: "ivy@example.com", password: PASSWORD, isAdmin: true });
    const jim = await accounts.create({ email: "jim@example.com", password: PASSWORD, isAdmin: true });
    await accounts.update(jim.id, { isAdmin: false });
    expect(await failure(accounts.update(ivy.id, { isAdmin: false }))).toEqual({ kind: "invalid", message: "Cannot remove the last admin" });
    expect(await failure(accounts.delete(ivy.id))).toEqual({ kind: "invalid", message: "Cannot delete the last admin" });
    // Two admins demoting each other at once: one of them stays an admin.
    await accounts.update(jim.id, { isAdmin: true });
    const results = await Promise.allSettled([accounts.update(ivy.id, { isAdmin: false }), accounts.update(jim.id, { isAdmin: false })]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((await accounts.list(10, 0)).items.filter((a) => a.isAdmin)).toHaveLength(1);
  });

  test("the plan snapshot: every account's plan id and every plan", async () => {
    const { accounts } = await services();
    const kim = await accounts.create({ email: "kim@example.com", password: PASSWORD, planId: "startup" });
    const lee = await accounts.create({ email: "lee@example.com", password: PASSWORD, isAdmin: true });
    const snapshot = await accounts.planSnapshot();
    expect(new Map(snapshot.planOfAccount)).toEqual(new Map([[kim.id, "startup"], [lee.id, "unlimited"]]));
    expect([...snapshot.admins]).toEqual([lee.id]);
    expect(snapshot.plans.get("startup")).toEqual(await accounts.plan("startup"));
    expect([...snapshot.plans.keys()].sort()).toEqual(["business", "free", "startup", "unlimited"]);
  });
});
