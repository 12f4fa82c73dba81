/**
 * The AppStore's contract, run on every dialect the store port has (one SQL text for all): apps and
 * their keys round-trip, keys once used stay reserved (revoked, renamed, deleted with their app),
 * revisions grow globally so that the watcher's change mark moves on every change, lists keep their
 * order, and a transaction that throws leaves nothing behind.
 */
import { expect, test } from "bun:test";
import { AppStore, type ChangeMark } from "../../src/apps/store";
import type { Db } from "../../src/store/db";
import { describeStores } from "../support/postgres";
import { makeApp } from "./fakes";

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

async function account(db: Db, id: string): Promise<string> {
  const plan = await db.get<{ id: string }>("SELECT id FROM plans ORDER BY id");
  await db.run("INSERT INTO accounts (id, email, name, password_hash, is_admin, plan_id, created_at) VALUES (?, ?, ?, 'x', 0, ?, ?)", [
    id,
    `${id}@example.com`,
    id,
    plan!.id,
    at(0),
  ]);
  return id;
}

describeStores("AppStore", (fresh) => {
  const open = async () => (await fresh()).db;

  test("an app round-trips; found by id and by key; updated; deleted", async () => {
    const store = new AppStore(await open());
    const app = makeApp({ id: "a1", key: "key-a1", secret: "secret-a1", clientEvents: true, limits: { maxConnections: 7 } });
    await store.insert(app);
    expect(await store.byId("a1")).toEqual(app);
    expect(await store.byKey("key-a1")).toEqual(app);
    expect(await store.byId("nope")).toBeUndefined();
    expect(await store.byKey("nope")).toBeUndefined();

    const changed = { ...app, name: "renamed", cluster: "eu", enabled: false, limits: { ...app.limits, maxConnections: 9 }, updatedAt: at(5) };
    await store.update(changed);
    expect(await store.byId("a1")).toEqual(changed);

    expect(await store.delete("a1")).toBe(true);
    expect(await store.delete("a1")).toBe(false);
    expect(await store.byId("a1")).toBeUndefined();
    expect(await store.byKey("key-a1")).toBeUndefined();
  });

  test("key pairs: the oldest active one is the primary; revoked ones stop resolving; secrets and keys change in place", async () => {
    const store = new AppStore(await open());
    await store.insert(makeApp({ id: "a1", key: "k1", secret: "s1", createdAt: at(1) }));
    await store.addKey("a1", { key: "k2", secret: "s2", createdAt: at(2) });
    await store.addKey("a1", { key: "k0", secret: "s0", createdAt: at(3) });
    let app = (await store.byId("a1"))!;
    expect(app.keys.map((k) => k.key)).toEqual(["k1", "k2", "k0"]);
    expect([app.key, app.secret]).toEqual(["k1", "s1"]);
    expect((await store.byKey("k0"))!.id).toBe("a1");

    expect(await store.revokeKey("a1", "k1", at(4))).toBe(true);
    expect(await store.revokeKey("a1", "k1", at(4))).toBe(false);
    app = (await store.byId("a1"))!;
    expect([app.key, app.secret, app.keys.length]).toEqual(["k2", "s2", 2]);
    expect(await store.byKey("k1")).toBeUndefined();

    await store.setSecret("a1", "k2", "s2-new");
    await store.renameKey("a1", "k2", "k2-new");
    app = (await store.byId("a1"))!;
    expect([app.key, app.secret]).toEqual(["k2-new", "s2-new"]);
    expect(await store.byKey("k2")).toBeUndefined();
  });

  test("a key once used stays taken: revoked, renamed away, or deleted with its app", async () => {
    const store = new AppStore(await open());
    expect(await store.keyTaken("k1")).toBe(false);
    await store.insert(makeApp({ id: "a1", key: "k1", createdAt: at(1) }));
    await store.addKey("a1", { key: "k2", secret: "s", createdAt: at(2) });
    await store.addKey("a1", { key: "k3", secret: "s", createdAt: at(3) });
    await store.revokeKey("a1", "k2", at(4));
    await store.renameKey("a1", "k3", "k4");
    for (const key of ["k1", "k2", "k3", "k4"]) expect([key, await store.keyTaken(key)]).toEqual([key, true]);
    await store.delete("a1");
    for (const key of ["k1", "k2", "k3", "k4"]) expect([key, await store.keyTaken(key)]).toEqual([key, true]);
    expect(await store.keyTaken("k5")).toBe(false);
  });

  test("lists: every app or one account's, oldest first (then by id), with their active keys; counted per account", async () => {
    const db = await open();
    const store = new AppStore(db);
    const ada = await account(db, "ada");
    await store.insert(makeApp({ id: "b", key: "kb", createdAt: at(2), accountId: ada }));
    await store.insert(makeApp({ id: "c", key: "kc", createdAt: at(1) }));
    await store.insert(makeApp({ id: "a", key: "ka", createdAt: at(2), accountId: ada }));
    await store.addKey("a", { key: "ka2", secret: "s", createdAt: at(3) });
    expect((await store.list()).map((a) => a.id)).toEqual(["c", "a", "b"]);
    const own = await store.list(ada);
    expect(own.map((a) => [a.id, a.keys.map((k) => k.key)])).toEqual([
      ["a", ["ka", "ka2"]],
      ["b", ["kb"]],
    ]);
    expect(await store.countFor(ada)).toBe(2);
    expect(await store.countFor("nobody")).toBe(0);
  });

  test("revisions grow globally, and the change mark moves on every kind of change", async () => {
    const store = new AppStore(await open());
    const marks: ChangeMark[] = [await store.changeMark()];
    const moved = async () => {
      const mark = await store.changeMark();
      expect(mark).not.toEqual(marks.at(-1)!);
      marks.push(mark);
    };
    await store.insert(makeApp({ id: "a1", key: "k1" }));
    await moved();
    await store.insert(makeApp({ id: "a2", key: "k2" }));
    await moved();
    const first = await store.revisions();
    expect(first.get("a2")!).toBeGreaterThan(first.get("a1")!);

    await store.update({ ...makeApp({ id: "a1", key: "k1" }), name: "changed" });
    await moved();
    await store.addKey("a2", { key: "k2b", secret: "s", createdAt: at(9) });
    await moved();
    await store.revokeKey("a2", "k2", at(10));
    await moved();
    await store.setSecret("a1", "k1", "new");
    await moved();
    const later = await store.revisions();
    expect(later.get("a1")!).toBeGreaterThan(first.get("a2")!);
    // The secret of a1 changed last.
    expect(later.get("a1")!).toBeGreaterThan(later.get("a2")!);

    // Deleting the app with the largest revision, then creating one, still moves the mark.
    const top = [...later].sort((x, y) => y[1] - x[1])[0]![0];
    await store.delete(top);
    await store.insert(makeApp({ id: "a3", key: "k3" }));
    await moved();
  });

  test("a transaction that throws leaves nothing; one that resolves commits everything", async () => {
    const store = new AppStore(await open());
    await expect(
      store.transaction(async (tx) => {
        await tx.insert(makeApp({ id: "a1", key: "k1" }));
        expect(await tx.byId("a1")).toBeDefined();
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await store.byId("a1")).toBeUndefined();
    expect(await store.keyTaken("k1")).toBe(false);
    await store.transaction(async (tx) => {
      await tx.insert(makeApp({ id: "a1", key: "k1" }));
      await tx.addKey("a1", { key: "k2", secret: "s", createdAt: at(5) });
    });
    expect((await store.byId("a1"))!.keys.map((k) => k.key)).toEqual(["k1", "k2"]);
  });
});
