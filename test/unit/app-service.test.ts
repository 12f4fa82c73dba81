/**
 * AppService over the async store, on both dialects: its checks run inside one transaction (a failed
 * one leaves nothing), the plan cap may come from an asynchronous look-up, every committed change is
 * announced after the commit (and awaited), and a key pair added in the same millisecond as the app
 * never becomes its primary. The messages themselves are pinned by the API and CLI integration tests.
 */
import { expect, test } from "bun:test";
import { AppService } from "../../src/apps/service";
import { AppStore } from "../../src/apps/store";
import { ServiceError } from "../../src/errors";
import type { Db } from "../../src/store/db";
import { describeStores } from "../support/postgres";

const FROZEN = new Date("2026-12-03T08:00:00.000Z");

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ServiceError);
  return err as ServiceError;
}

async function account(db: Db, id: string): Promise<string> {
  const plan = await db.get<{ id: string }>("SELECT id FROM plans ORDER BY id");
  await db.run("INSERT INTO accounts (id, email, name, password_hash, is_admin, plan_id, created_at) VALUES (?, ?, ?, 'x', 0, ?, ?)", [
    id,
    `${id}@example.com`,
    id,
    plan!.id,
    FROZEN.toISOString(),
  ]);
  return id;
}

describeStores("AppService", (fresh) => {
  test("create, get by id or key, update, add and revoke keys, delete; each change announced once, after its commit", async () => {
    const { db } = await fresh();
    const store = new AppStore(db);
    const apps = new AppService(store, undefined, () => FROZEN);
    const announced: string[] = [];
    apps.onChange = async (id) => {
      // Announced after the commit: the change is visible to a fresh read.
      announced.push(`${id}:${(await store.byId(id))?.name ?? "gone"}`);
    };
    const app = await apps.create({ name: "One", id: "a1", clientEvents: true });
    expect((await apps.get(app.key)).id).toBe("a1");
    expect((await apps.update("a1", { name: "Renamed", limits: { maxConnections: 5 } })).limits.maxConnections).toBe(5);

    // Same millisecond as the app's own pair (frozen clock): still after it, so the primary stays.
    const pair = await apps.addKey("a1");
    const withTwo = await apps.get("a1");
    expect(withTwo.keys.map((k) => k.key)).toEqual([app.key, pair.key]);
    expect(withTwo.key).toBe(app.key);
    expect(pair.createdAt > app.keys[0]!.createdAt).toBe(true);

    await apps.revokeKey("a1", app.key);
    expect((await apps.get("a1")).key).toBe(pair.key);
    expect((await failure(apps.revokeKey("a1", pair.key))).message).toBe("Cannot revoke the only active key: add another key pair first");

    await apps.delete(pair.key);
    expect((await failure(apps.get("a1"))).kind).toBe("not_found");
    expect(announced).toEqual(["a1:One", "a1:Renamed", "a1:Renamed", "a1:Renamed", "a1:gone"]);
  });

  test("a refused change leaves nothing behind and announces nothing", async () => {
    const { db } = await fresh();
    const apps = new AppService(new AppStore(db));
    const announced: string[] = [];
    apps.onChange = (id) => void announced.push(id);
    const first = await apps.create({ name: "First" });
    announced.length = 0;
    const taken = await failure(apps.create({ name: "Second", id: "a2", key: first.key }));
    expect([taken.kind, taken.message]).toEqual(["conflict", `The key '${first.key}' is already used by another app`]);
    expect(await apps.list()).toHaveLength(1);
    // A key rename that conflicts rolls back the settings changed in the same call.
    await apps.create({ name: "Third", id: "a3", key: "third-key" });
    announced.length = 0;
    await failure(apps.update("a3", { name: "Changed", key: first.key }));
    expect((await apps.get("a3")).name).toBe("Third");
    expect(announced).toEqual([]);
  });

  test("the plan's app cap, from an asynchronous look-up, counts the account's apps only", async () => {
    const { db } = await fresh();
    const ada = await account(db, "ada");
    const apps = new AppService(new AppStore(db), { maxAppsFor: async (id) => (id === ada ? 2 : 0) });
    await apps.create({ name: "Operator app" });
    await apps.create({ name: "One" }, { accountId: ada });
    await apps.create({ name: "Two" }, { accountId: ada });
    const refused = await failure(apps.create({ name: "Three" }, { accountId: ada }));
    expect([refused.kind, refused.message]).toEqual(["forbidden", "Your plan allows 2 apps; delete an app or upgrade your plan to create another"]);
    expect(await apps.list(ada)).toHaveLength(2);
    expect(await apps.list()).toHaveLength(3);
  });
});
