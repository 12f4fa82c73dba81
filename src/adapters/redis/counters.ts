/**
 * Counters in Redis. A counter with a TTL (rate limits, the daily message quota) is one key that
 * expires. One without (connections per account and per app) counts live things of the nodes, so
 * each node's share is kept too, and a dead node's share is taken back out (membership.ts).
 * While Redis is unreachable a node counts its own share only: limits then hold per node.
 */
import type { Counters } from "../../engine/ports";
import type { RedisShared } from "./shared";

export class RedisCounters implements Counters {
  /** Counters with a TTL while Redis is unreachable: this node's own count, expiring the same way. */
  private readonly local = new Map<string, { value: number; expiresAt: number }>();

  constructor(private readonly s: RedisShared) {}

  /** A TTL counter while Redis is unreachable: this node's count, expiring like the shared one. */
  private addLocally(name: string, by: number, limit: number | undefined, ttlMs: number): number | null {
    const now = Date.now();
    // Keys are chosen by callers (login attempts per email): drop expired ones before adding more.
    if (this.local.size >= 10_000) for (const [key, e] of this.local) if (e.expiresAt <= now) this.local.delete(key);
    let entry = this.local.get(name);
    if (entry === undefined || entry.expiresAt <= now) this.local.set(name, (entry = { value: 0, expiresAt: now + ttlMs }));
    if (limit !== undefined && entry.value + by > limit) return null;
    return (entry.value += by);
  }

  private run(name: string, by: number, limit: number | undefined, ttlMs: number | undefined): Promise<number | null> {
    const { keys } = this.s;
    // A live counter's share moves before the call (undone on refusal), so that a re-registration
    // racing it includes it, and so that calls in flight together each add their own `by`.
    const share = ttlMs === undefined ? this.bumpShare(name, by) : 0;
    return this.s
      .orLocal(
        async () => {
          const value = await this.s.script("ADD", [keys.counter(name), keys.mine("ctr")], [by, limit ?? "", ttlMs ?? "", name]);
          return value === null ? null : Number(value);
        },
        () => (ttlMs !== undefined ? this.addLocally(name, by, limit, ttlMs) : limit !== undefined && share > limit ? null : share),
      )
      .then((value) => {
        if (value === null && ttlMs === undefined) this.bumpShare(name, -by);
        return value;
      });
  }

  private bumpShare(name: string, by: number): number {
    const counters = this.s.mirror.counters;
    const n = (counters.get(name) ?? 0) + by;
    if (n !== 0) counters.set(name, n);
    else counters.delete(name);
    return n;
  }

  add(name: string, by: number, ttlMs?: number): Promise<number> {
    return this.run(name, by, undefined, ttlMs) as Promise<number>;
  }

  addIfBelow(name: string, by: number, limit: number, ttlMs?: number): Promise<number | null> {
    return this.run(name, by, Number.isFinite(limit) ? limit : undefined, ttlMs);
  }

  get(name: string): Promise<number> {
    return this.s.orLocal(
      async () => Number((await this.s.redis.get(this.s.keys.counter(name))) ?? 0),
      () => {
        const entry = this.local.get(name);
        if (entry !== undefined && entry.expiresAt > Date.now()) return entry.value;
        return this.s.mirror.counters.get(name) ?? 0;
      },
    );
  }
}
