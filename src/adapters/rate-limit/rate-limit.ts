/**
 * Attempt limiting (login per email and per IP): at most `max` hits per key within `windowMs`.
 * Built on Counters so that several nodes can share it.
 */
import type { Counters } from "../../engine/ports";

export class RateLimiter {
  constructor(
    private readonly counters: Counters,
    private readonly prefix: string,
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Whether `key` is over its limit now (without counting a hit). */
  async blocked(key: string): Promise<boolean> {
    return (await this.counters.get(`${this.prefix}:${key}`)) >= this.max;
  }

  async hit(key: string): Promise<void> {
    await this.counters.add(`${this.prefix}:${key}`, 1, this.windowMs);
  }

  /** Takes back one hit (an attempt counted up front that turned out fine). */
  async forgive(key: string): Promise<void> {
    const name = `${this.prefix}:${key}`;
    if ((await this.counters.get(name)) > 0) await this.counters.add(name, -1, this.windowMs);
  }
}
