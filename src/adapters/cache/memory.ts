/** The one-node ChannelCache: a bounded map per app, oldest entry out first. */
import type { CachedEvent, ChannelCache } from "../../engine/ports";

/** Cached channels kept per app; bounds memory whatever an app publishes. */
export const MAX_CACHED_CHANNELS = 10_000;

interface AppCache {
  readonly events: Map<string, CachedEvent>;
  /** Channels whose cache miss was reported, until when. */
  readonly misses: Map<string, number>;
}

export class MemoryChannelCache implements ChannelCache {
  private readonly apps = new Map<string, AppCache>();
  private prunedAt = 0;

  private app(appId: string): AppCache {
    let app = this.apps.get(appId);
    if (app === undefined) this.apps.set(appId, (app = { events: new Map(), misses: new Map() }));
    return app;
  }

  put(appId: string, channel: string, entry: CachedEvent): void {
    const { events, misses } = this.app(appId);
    events.delete(channel); // re-inserting moves the channel to the newest end
    if (events.size >= MAX_CACHED_CHANNELS) events.delete(events.keys().next().value!);
    events.set(channel, entry);
    misses.delete(channel);
  }

  get(appId: string, channel: string, now: number): CachedEvent | undefined {
    const events = this.apps.get(appId)?.events;
    const entry = events?.get(channel);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry;
    events!.delete(channel);
    return undefined;
  }

  claimMiss(appId: string, channel: string, now: number, until: number): boolean {
    const { misses } = this.app(appId);
    if ((misses.get(channel) ?? 0) > now) return false;
    misses.set(channel, until);
    return true;
  }

  /**
   * Drops expired entries and miss marks, at most once a minute: entries are otherwise only removed
   * when read, and channels nobody reads again would keep their last event forever.
   */
  prune(now: number): void {
    if (now - this.prunedAt < 60_000) return;
    this.prunedAt = now;
    for (const [appId, { events, misses }] of this.apps) {
      for (const [name, entry] of events) if (entry.expiresAt <= now) events.delete(name);
      for (const [name, until] of misses) if (until <= now) misses.delete(name);
      if (events.size === 0 && misses.size === 0) this.apps.delete(appId);
    }
  }

  /** Entries kept for an app, expired or not (tests of the bound and the pruning). */
  size(appId: string): number {
    return this.apps.get(appId)?.events.size ?? 0;
  }
}
