/**
 * The live state of one app on this node: its sockets, occupied channels, signed-in users and cached
 * events. `app` is replaced in place when the app's settings change, so running sessions see the new
 * settings at once (ARCHITECTURE.md: cache invalidation, not restarts).
 */
import type { App } from "./app";
import { ChannelState } from "./channel-state";
import type { Session } from "./session";

/** Cached channels kept per app on this node; bounds memory whatever an app publishes. */
export const MAX_CACHED_CHANNELS = 10_000;

export interface CachedEvent {
  event: string;
  data: string;
  expiresAt: number;
}

export class AppState {
  readonly sessions = new Map<string, Session>();
  readonly channels = new Map<string, ChannelState>();
  /** Signed-in user id → that user's sockets (§3.4–§3.7). */
  readonly users = new Map<string, Set<Session>>();
  /** Watched user id → sockets whose watchlist contains it (§3.6). */
  readonly watchers = new Map<string, Set<Session>>();
  /** Last HTTP-published event per cache channel (§2.8). */
  readonly cache = new Map<string, CachedEvent>();
  /** Cache channels whose miss was already reported, until when (§2.8: the webhook is de-duplicated). */
  readonly missReported = new Map<string, number>();
  /** Last time expired cache entries were dropped (see pruneCache). */
  private prunedAt = 0;

  /** HTTP API requests in the current one-second window (per-app rate limit). */
  apiWindowStart = 0;
  apiWindowCount = 0;

  constructor(public app: App) {}

  get id(): string {
    return this.app.id;
  }

  /** The secret of one of the app's active key pairs (§5.2 step 3: any active pair may sign). */
  readonly secretFor = (key: string): string | undefined => {
    for (const pair of this.app.keys) if (pair.key === key) return pair.secret;
    return undefined;
  };

  channel(name: string): ChannelState | undefined {
    return this.channels.get(name);
  }

  subscriptionCount(name: string): number {
    return this.channels.get(name)?.subscriberCount ?? 0;
  }

  userCount(name: string): number {
    return this.channels.get(name)?.members?.size ?? 0;
  }

  /**
   * Drops expired cache entries and miss marks, at most once a minute: entries are otherwise only
   * removed when read, and channels nobody reads again would keep their last event forever.
   */
  pruneCache(now: number): void {
    if (now - this.prunedAt < 60_000) return;
    this.prunedAt = now;
    for (const [name, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(name);
    for (const [name, until] of this.missReported) if (until <= now) this.missReported.delete(name);
  }

  /** Stores a cache channel's last event; past MAX_CACHED_CHANNELS the oldest entry makes room. */
  remember(name: string, entry: CachedEvent): void {
    this.cache.delete(name); // re-inserting moves the channel to the newest end
    if (this.cache.size >= MAX_CACHED_CHANNELS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(name, entry);
  }

  cached(name: string, now: number): CachedEvent | undefined {
    const entry = this.cache.get(name);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry;
    this.cache.delete(name);
    return undefined;
  }
}
