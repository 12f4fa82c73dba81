/** The ChannelCache contract (src/engine/ports.ts): last event per channel with expiry, de-duplicated misses. */
import { describe, expect, test } from "bun:test";
import type { ChannelCache } from "../../src/engine/ports";

export function cacheContract(name: string, newImpl: () => ChannelCache | Promise<ChannelCache>): void {
  describe(`ChannelCache contract: ${name}`, () => {
    const T = 1_700_000_000_000;

    test("get answers the last event put until it expires", async () => {
      const c = await newImpl();
      expect(await c.get("a", "cache-x", T)).toBeUndefined();
      await c.put("a", "cache-x", { event: "e1", data: "1", expiresAt: T + 1000 });
      await c.put("a", "cache-x", { event: "e2", data: "2", expiresAt: T + 2000 });
      expect(await c.get("a", "cache-x", T)).toEqual({ event: "e2", data: "2", expiresAt: T + 2000 });
      expect(await c.get("b", "cache-x", T)).toBeUndefined();
      expect(await c.get("a", "cache-x", T + 2000)).toBeUndefined();
    });

    test("claimMiss: true once per channel until the mark expires or an event is put", async () => {
      const c = await newImpl();
      const claims = await Promise.all([1, 2, 3].map(() => c.claimMiss("a", "cache-x", T, T + 1000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await c.claimMiss("a", "cache-x", T + 1000, T + 2000)).toBe(true);
      await c.put("a", "cache-x", { event: "e", data: "d", expiresAt: T + 5000 });
      expect(await c.claimMiss("a", "cache-x", T + 1001, T + 3000)).toBe(true);
    });
  });
}
