/** The in-process Counters: one map, expiry checked on access. */
import type { Clock } from "../../engine/ports";
import type { Counters } from "./counters";

export class MemoryCounters implements Counters {
  private readonly values = new Map<string, { value: number; expiresAt: number }>();

  constructor(private readonly clock: Clock) {}

  add(name: string, by: number, ttlMs?: number): number {
    const now = this.clock.now();
    let entry = this.values.get(name);
    if (entry === undefined || entry.expiresAt <= now) {
      entry = { value: 0, expiresAt: ttlMs === undefined ? Infinity : now + ttlMs };
      this.values.set(name, entry);
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
