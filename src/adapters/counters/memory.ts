/** The in-process Counters: one map, expiry checked on access. */
import type { Clock, Counters } from "../../engine/ports";

interface Entry {
  value: number;
  expiresAt: number;
}

export class MemoryCounters implements Counters {
  private readonly values = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  private entry(name: string, ttlMs: number | undefined): Entry {
    const now = this.clock.now();
    let entry = this.values.get(name);
    if (entry === undefined || entry.expiresAt <= now) {
      entry = { value: 0, expiresAt: ttlMs === undefined ? Infinity : now + ttlMs };
      this.values.set(name, entry);
    }
    return entry;
  }

  add(name: string, by: number, ttlMs?: number): number {
    const entry = this.entry(name, ttlMs);
    entry.value += by;
    if (entry.value === 0 && ttlMs === undefined) this.values.delete(name);
    return entry.value;
  }

  addIfBelow(name: string, by: number, limit: number, ttlMs?: number): number | null {
    // One lookup and one clock read: every signed HTTP API request passes here (its rate limit).
    const entry = this.entry(name, ttlMs);
    if (entry.value + by > limit) {
      if (entry.value === 0 && ttlMs === undefined) this.values.delete(name);
      return null;
    }
    entry.value += by;
    if (entry.value === 0 && ttlMs === undefined) this.values.delete(name);
    return entry.value;
  }

  get(name: string): number {
    const entry = this.values.get(name);
    if (entry === undefined) return 0;
    if (entry.expiresAt <= this.clock.now()) {
      this.values.delete(name);
      return 0;
    }
    return entry.value;
  }
}
