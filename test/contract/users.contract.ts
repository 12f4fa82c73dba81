/** The UserRegistry contract (src/engine/ports.ts): online with the first signed-in socket, offline with the last. */
import { describe, expect, test } from "bun:test";
import type { UserRegistry } from "../../src/engine/ports";

export function usersContract(name: string, newImpl: () => UserRegistry | Promise<UserRegistry>): void {
  describe(`UserRegistry contract: ${name}`, () => {
    test("first and last socket of a user; online and count follow", async () => {
      const u = await newImpl();
      expect(await u.signIn("a", "u1", "1.1")).toBe(true);
      expect(await u.signIn("a", "u1", "1.2")).toBe(false);
      expect(await u.signIn("a", "u2", "1.3")).toBe(true);
      expect(await u.count("a")).toBe(2);
      expect((await u.online("a", ["u1", "u2", "u3"])).sort()).toEqual(["u1", "u2"]);
      expect(await u.signOut("a", "u1", "1.1")).toBe(false);
      expect(await u.signOut("a", "u1", "1.2")).toBe(true);
      expect(await u.online("a", ["u1"])).toEqual([]);
      expect(await u.count("a")).toBe(1);
      expect(await u.count("b")).toBe(0);
    });

    test("concurrent sign-ins: exactly one is the first; concurrent sign-outs: exactly one is the last", async () => {
      const u = await newImpl();
      const ins = await Promise.all(Array.from({ length: 10 }, (_, i) => u.signIn("a", "u", `1.${i}`)));
      expect(ins.filter(Boolean)).toHaveLength(1);
      const outs = await Promise.all(Array.from({ length: 10 }, (_, i) => u.signOut("a", "u", `1.${i}`)));
      expect(outs.filter(Boolean)).toHaveLength(1);
    });

    test("signing out a socket that never signed in changes nothing", async () => {
      const u = await newImpl();
      expect(await u.signOut("a", "nobody", "1.1")).toBe(false);
      expect(await u.count("a")).toBe(0);
    });
  });
}
