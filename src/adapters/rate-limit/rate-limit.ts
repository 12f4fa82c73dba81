/**
 * Attempt limiting (login per email and per IP): at most `max` hits per key within `windowMs`.
 * Built on Counters so that several nodes can share it.
 */
import type { Counters } from "../counters/counters";

export class RateLimiter {
  constructor(
    private readonly counters: Counters,
    private readonly prefix: string,
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Whether `key` is over its limit now (without counting a hit). */
  blocked(key: string): boolean {
    return this.counters.get(`${this.prefix}:${key}`) >= this.max;
  }

  hit(key: string): void {
    this.counters.add(`${this.prefix}:${key}`, 1, this.windowMs);
  }

  /** Takes back one hit (an attempt counted up front that turned out fine). */
  forgive(key: string): void {
    if (this.counters.get(`${this.prefix}:${key}`) > 0) this.counters.add(`${this.prefix}:${key}`, -1, this.windowMs);
  }
}
