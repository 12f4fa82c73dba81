/**
 * The ChannelCache contract (src/engine/ports.ts): last event per channel with expiry, de-duplicated
 * misses. Times are real (a shared store expires keys on its own clock), with short TTLs.
 */
import { describe, expect, test } from "bun:test";
import { MAX_CACHED_CHANNELS } from "../../src/adapters/cache/memory";
import type { ChannelCache } from "../../src/engine/ports";

export function cacheContract(name: string, newImpl: () => ChannelCache | Promise<ChannelCache>): void {
  describe(`ChannelCache contract: ${name}`, () => {
    test("get answers the last event put until it expires", async () => {
      const c = await newImpl();
      const t = Date.now();
      expect(await c.get("a", "cache-x", t)).toBeUndefined();
      await c.put("a", "cache-x", { event: "e1", data: "1", expiresAt: t + 5000 });
      await c.put("a", "cache-x", { event: "e2", data: "2", expiresAt: t + 300 });
      expect(await c.get("a", "cache-x", Date.now())).toEqual({ event: "e2", data: "2", expiresAt: t + 300 });
      expect(await c.get("b", "cache-x", Date.now())).toBeUndefined();
      // A fixed wait on purpose: the expiry is what is tested, and a shared store expires the entry on
      // its own clock. The get above proved the entry was there.
      await Bun.sleep(t + 350 - Date.now());
      expect(await c.get("a", "cache-x", Date.now())).toBeUndefined();
    });

    test("claimMiss: true once per channel until the mark expires or an event is put", async () => {
      const c = await newImpl();
      const t = Date.now();
      const claims = await Promise.all([1, 2, 3].map(() => c.claimMiss("a", "cache-x", t, t + 300)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await c.claimMiss("b", "cache-x", t, t + 300)).toBe(true);
      // A fixed wait on purpose, as above: the mark's expiry (the refused claims proved it was set).
      await Bun.sleep(t + 350 - Date.now());
      const later = Date.now();
      expect(await c.claimMiss("a", "cache-x", later, later + 5000)).toBe(true);
      await c.put("a", "cache-x", { event: "e", data: "d", expiresAt: later + 5000 });
      expect(await c.claimMiss("a", "cache-x", Date.now(), later + 5000)).toBe(true);
    });

    test(`at most ${MAX_CACHED_CHANNELS} channels per app: the oldest make room`, async () => {
      const c = await newImpl();
      const t = Date.now();
      const puts = [];
      for (let i = 0; i <= MAX_CACHED_CHANNELS; i++) puts.push(c.put("a", `cache-${i}`, { event: "e", data: String(i), expiresAt: t + 60_000 + i }));
      await Promise.all(puts);
      expect(await c.get("a", "cache-0", Date.now())).toBeUndefined();
      expect((await c.get("a", "cache-1", Date.now()))?.data).toBe("1");
      expect((await c.get("a", `cache-${MAX_CACHED_CHANNELS}`, Date.now()))?.data).toBe(String(MAX_CACHED_CHANNELS));
    });
  });
}
