/**
 * The ChannelRegistry contract (src/engine/ports.ts): any implementation, memory or shared, must pass
 * it (hono's runTest({ newImpl }) shape, STYLE.md principle 3). Every call is awaited, so adapters that
 * answer later are tested the same way; "concurrent" cases start every call before awaiting any.
 */
import { describe, expect, test } from "bun:test";
import type { ChannelRegistry } from "../../src/engine/ports";

export function registryContract(name: string, newImpl: () => ChannelRegistry | Promise<ChannelRegistry>): void {
  describe(`ChannelRegistry contract: ${name}`, () => {
    test("the first join occupies, the last leave vacates; counts in between", async () => {
      const r = await newImpl();
      expect(await r.join("a", "c", "1.1")).toMatchObject({ full: false, occupied: true, memberAdded: false, count: 1 });
      expect(await r.join("a", "c", "1.2")).toMatchObject({ occupied: false, count: 2 });
      expect(await r.count("a", "c")).toBe(2);
      expect(await r.leave("a", "c", "1.1")).toEqual({ vacated: false, memberRemoved: false, count: 1 });
      expect(await r.leave("a", "c", "1.2")).toEqual({ vacated: true, memberRemoved: false, count: 0 });
      expect(await r.count("a", "c")).toBe(0);
      expect(await r.channels("a", "")).toEqual([]);
    });

    test("apps and channels are apart; a leave of an unknown channel changes nothing", async () => {
      const r = await newImpl();
      await r.join("a", "c", "1.1");
      expect(await r.count("b", "c")).toBe(0);
      expect(await r.leave("b", "c", "1.1")).toEqual({ vacated: false, memberRemoved: false, count: 0 });
      expect(await r.count("a", "c")).toBe(1);
    });

    test("concurrent joins: exactly one of them occupies the channel", async () => {
      const r = await newImpl();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => r.join("a", "c", `1.${i}`)));
      expect(results.filter((x) => x.occupied)).toHaveLength(1);
      expect(results.map((x) => x.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      const left = await Promise.all(Array.from({ length: 20 }, (_, i) => r.leave("a", "c", `1.${i}`)));
      expect(left.filter((x) => x.vacated)).toHaveLength(1);
    });

    test("presence: member added on a user's first socket, removed on its last; first user_info kept", async () => {
      const r = await newImpl();
      const first = await r.join("a", "presence-r", "1.1", { id: "u1", info: { n: 1 } }, 100);
      expect(first).toMatchObject({ occupied: true, memberAdded: true, count: 1, presence: { ids: ["u1"], hash: { u1: { n: 1 } }, count: 1 } });
      const again = await r.join("a", "presence-r", "1.2", { id: "u1", info: { n: 2 } }, 100);
      expect(again).toMatchObject({ memberAdded: false, count: 2, presence: { ids: ["u1"], hash: { u1: { n: 1 } }, count: 1 } });
      await r.join("a", "presence-r", "1.3", { id: "u2", info: null }, 100);
      expect(await r.members("a", "presence-r")).toEqual([{ id: "u1", info: { n: 1 } }, { id: "u2", info: null }]);
      expect(await r.channels("a", "presence-")).toEqual([{ name: "presence-r", subscriptionCount: 3, userCount: 2 }]);
      expect(await r.leave("a", "presence-r", "1.1", "u1")).toMatchObject({ memberRemoved: false, count: 2 });
      expect(await r.leave("a", "presence-r", "1.2", "u1")).toMatchObject({ memberRemoved: true, count: 1 });
      expect(await r.members("a", "presence-r")).toEqual([{ id: "u2", info: null }]);
    });

    test("presence: the member limit refuses a new user and records nothing; a member may add sockets", async () => {
      const r = await newImpl();
      await r.join("a", "presence-r", "1.1", { id: "u1", info: null }, 2);
      await r.join("a", "presence-r", "1.2", { id: "u2", info: null }, 2);
      expect(await r.join("a", "presence-r", "1.3", { id: "u3", info: null }, 2)).toMatchObject({ full: true, count: 2 });
      expect(await r.count("a", "presence-r")).toBe(2);
      expect(await r.join("a", "presence-r", "1.4", { id: "u1", info: null }, 2)).toMatchObject({ full: false, count: 3 });
    });

    test("presence: concurrent joins of new users never exceed the limit", async () => {
      const r = await newImpl();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => r.join("a", "presence-r", `1.${i}`, { id: `u${i}`, info: null }, 4)),
      );
      expect(results.filter((x) => !x.full)).toHaveLength(4);
      expect(await r.members("a", "presence-r")).toHaveLength(4);
    });

    test("a user id such as __proto__ is a member like any other", async () => {
      const r = await newImpl();
      const joined = await r.join("a", "presence-r", "1.1", { id: "__proto__", info: { x: 1 } }, 100);
      expect(joined.presence!.ids).toEqual(["__proto__"]);
      expect(Object.keys(joined.presence!.hash)).toEqual(["__proto__"]);
    });

    test("channels filters by prefix", async () => {
      const r = await newImpl();
      for (const name of ["private-x", "presence-y", "public-z"]) await r.join("a", name, "1.1");
      expect((await r.channels("a", "pr")).map((c) => c.name).sort()).toEqual(["presence-y", "private-x"]);
    });

    test("connections: counted per app, limited atomically, released on disconnect", async () => {
      const r = await newImpl();
      const admitted = await Promise.all(Array.from({ length: 8 }, (_, i) => r.connect("a", `1.${i}`, 5)));
      expect(admitted.filter(Boolean)).toHaveLength(5);
      expect(await r.connections("a")).toBe(5);
      expect(await r.connect("b", "2.1", 0)).toBe(true); // 0 = no limit
      await r.disconnect("a", "1.0");
      expect(await r.connections("a")).toBe(4);
      expect(await r.connect("a", "1.9", 5)).toBe(true);
    });
  });
}
