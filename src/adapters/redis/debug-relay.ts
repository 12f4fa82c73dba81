/**
 * The dashboard's debug console across the cluster (dashboard/debug-log.ts DebugRelay). A node with a
 * console open marks the app in the `debugwatch` sorted set (renewed every 2 s, for 6 s); every node
 * reads that set every 2 s and, for watched apps only, publishes what it records on one Redis channel.
 * The watching node records what other nodes sent into its own ring, so its console shows them all.
 */
import type Redis from "ioredis";
import type { DebugFields, DebugRelay } from "../../dashboard/debug-log";
import type { Keys } from "./keys";

const RENEW_MS = 2000;
const WATCH_TTL_MS = 6000;

export class RedisDebugRelay implements DebugRelay {
  private readonly mine = new Map<string, number>();
  private watchedApps = new Set<string>();
  private handler: (appId: string, type: string, fields: DebugFields) => void = () => {};
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly key: string;
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    subscriber: Redis,
    private readonly keys: Keys,
  ) {
    this.key = `${keys.prefix}debugwatch`;
    this.channel = `${keys.prefix}debug`;
    subscriber.subscribe(this.channel).catch(() => {});
    subscriber.on("ready", () => void subscriber.subscribe(this.channel).catch(() => {}));
    subscriber.on("message", (channel: string, text: string) => {
      if (channel !== this.channel) return;
      try {
        const { o, a, t, f } = JSON.parse(text) as { o: string; a: string; t: string; f: DebugFields };
        if (o !== keys.node && this.mine.has(a)) this.handler(a, t, f);
      } catch {
        // not ours
      }
    });
    this.timer = setInterval(() => void this.refresh(), RENEW_MS);
    this.timer.unref?.();
  }

  private async refresh(): Promise<void> {
    try {
      const now = Date.now();
      const renew = [...this.mine.keys()].flatMap((app) => [now + WATCH_TTL_MS, app] as const);
      if (renew.length > 0) await this.redis.zadd(this.key, ...renew);
      await this.redis.zremrangebyscore(this.key, "-inf", now);
      this.watchedApps = new Set(await this.redis.zrangebyscore(this.key, now, "+inf"));
    } catch {
      // Redis unreachable: consoles show this node's events until it is back.
    }
  }

  watched(appId: string): boolean {
    return this.watchedApps.has(appId);
  }

  publish(appId: string, type: string, fields: DebugFields): void {
    this.redis.publish(this.channel, JSON.stringify({ o: this.keys.node, a: appId, t: type, f: fields })).catch(() => {});
  }

  watch(appId: string): () => void {
    this.mine.set(appId, (this.mine.get(appId) ?? 0) + 1);
    void this.refresh();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.mine.get(appId) ?? 1) - 1;
      if (n > 0) this.mine.set(appId, n);
      else this.mine.delete(appId);
    };
  }

  onEntry(handler: (appId: string, type: string, fields: DebugFields) => void): void {
    this.handler = handler;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
