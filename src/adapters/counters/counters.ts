/**
 * Named integer counters (ARCHITECTURE.md adapters). Guarantees: `add` is atomic and returns the new
 * value; a counter with a TTL disappears (reads 0) after it, counted from its first increment.
 * Memory is the reference implementation; a shared one lets several nodes count together.
 */
export interface Counters {
  add(name: string, by: number, ttlMs?: number): number;
  get(name: string): number;
}
