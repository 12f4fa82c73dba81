/**
 * Cache channels' last events in Redis, so a subscriber on any node gets the event published on
 * another (§2.8). Entries are keys that expire on their own (PXAT), which also bounds them; the miss
 * mark is SET NX with the same expiry. Unreachable Redis: no cached event (a cache_miss), no report.
 */
import type { CachedEvent, ChannelCache } from "../../engine/ports";
import type { RedisShared } from "./shared";

export class RedisChannelCache implements ChannelCache {
  constructor(private readonly s: RedisShared) {}

  async put(appId: string, channel: string, entry: CachedEvent): Promise<void> {
    const { keys, redis } = this.s;
    const value = JSON.stringify([entry.event, entry.data, entry.expiresAt]);
    await this.s.orLocal(() => redis.multi().set(keys.cache(appId, channel), value, "PXAT", entry.expiresAt).del(keys.miss(appId, channel)).exec(), () => null);
  }

  get(appId: string, channel: string, now: number): Promise<CachedEvent | undefined> {
    return this.s.orLocal(
      async () => {
        const value = await this.s.redis.get(this.s.keys.cache(appId, channel));
        if (value === null) return undefined;
        const [event, data, expiresAt] = JSON.parse(value) as [string, string, number];
        return expiresAt > now ? { event, data, expiresAt } : undefined;
      },
      () => undefined,
    );
  }

  claimMiss(appId: string, channel: string, _now: number, until: number): Promise<boolean> {
    return this.s.orLocal(async () => (await this.s.redis.set(this.s.keys.miss(appId, channel), "1", "PXAT", until, "NX")) === "OK", () => false);
  }

  /** Redis expires the keys itself. */
  prune(): void {}
}
