/** The Counters contract (src/engine/ports.ts): atomic add and addIfBelow, TTL from the first increment. */
import { describe, expect, test } from "bun:test";
import type { Counters } from "../../src/engine/ports";

/** `advance` moves the implementation's clock; a shared store may wait real time instead. */
export function countersContract(name: string, newImpl: () => { counters: Counters; advance: (ms: number) => Promise<void> | void }): void {
  describe(`Counters contract: ${name}`, () => {
    test("add returns the new value; get reads it; unknown counters read 0", async () => {
      const { counters } = newImpl();
      expect(await counters.get("x")).toBe(0);
      expect(await counters.add("x", 3)).toBe(3);
      expect(await counters.add("x", -1)).toBe(2);
      expect(await counters.get("x")).toBe(2);
    });

    test("addIfBelow adds only while the result stays within the limit; a refusal changes nothing", async () => {
      const { counters } = newImpl();
      expect(await counters.addIfBelow("x", 2, 5)).toBe(2);
      expect(await counters.addIfBelow("x", 3, 5)).toBe(5);
      expect(await counters.addIfBelow("x", 1, 5)).toBeNull();
      expect(await counters.get("x")).toBe(5);
    });

    test("concurrent addIfBelow never overshoots", async () => {
      const { counters } = newImpl();
      const results = await Promise.all(Array.from({ length: 25 }, () => counters.addIfBelow("x", 1, 10)));
      expect(results.filter((r) => r !== null)).toHaveLength(10);
      expect(await counters.get("x")).toBe(10);
    });

    test("a TTL counts from the first increment; afterwards the counter reads 0 and starts again", async () => {
      const { counters, advance } = newImpl();
      // Generous margins: a shared store waits real time, and a loaded machine stretches a short wait.
      await counters.add("t", 1, 3000);
      await advance(1000);
      expect(await counters.add("t", 1, 3000)).toBe(2);
      await advance(2200);
      expect(await counters.get("t")).toBe(0);
      expect(await counters.addIfBelow("t", 1, 1, 3000)).toBe(1);
    });
  });
}
