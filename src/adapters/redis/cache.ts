/**
 * Cache channels' last events in Redis, so a subscriber on any node gets the event published on
 * another (§2.8). Entries are keys that expire on their own (PXAT); an index per app keeps at most
 * MAX_CACHED_CHANNELS of them, as the memory adapter does. The miss mark is SET NX with the same
 * expiry. Unreachable Redis: no cached event (a cache_miss), no report.
 */
import type { CachedEvent, ChannelCache } from "../../engine/ports";
import { MAX_CACHED_CHANNELS } from "../cache/memory";
import type { RedisShared } from "./shared";

export class RedisChannelCache implements ChannelCache {
  constructor(private readonly s: RedisShared) {}

  async put(appId: string, channel: string, entry: CachedEvent): Promise<void> {
    const { keys } = this.s;
    const value = JSON.stringify([entry.event, entry.data, entry.expiresAt]);
    const index = `${keys.prefix}a:${appId}:cacheidx`;
    await this.s.orLocal(
      () =>
        this.s.script("CACHE_PUT", [keys.cache(appId, channel), keys.miss(appId, channel), index], [channel, value, entry.expiresAt, MAX_CACHED_CHANNELS, keys.cache(appId, "")]),
      () => null,
    );
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
