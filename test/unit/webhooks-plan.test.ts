/**
 * Delivery planning and retry timing: per-channel order, one request in flight per channel, blocked
 * channels do not stall others, batch sizes; the back-off schedule and the retry deadline (§6.4).
 */
import { describe, expect, test } from "bun:test";
import { nextAttempt, retryDelay } from "../../src/webhooks/backoff";
import type { OutboxRow } from "../../src/webhooks/outbox-store";
import { plan } from "../../src/webhooks/plan";

let seq = 0;
function row(channel: string, extra: Partial<OutboxRow> = {}): OutboxRow {
  seq++;
  return { seq, endpoint_id: "wh", app_id: "a", channel, type: "channel_occupied", event: `{"n":${seq}}`, ready_ms: 0, next_attempt_ms: 0, attempts: 0, hold_key: null, ...extra };
}
const seqs = (requests: OutboxRow[][]) => requests.map((r) => r.map((x) => x.seq));

describe("plan", () => {
  test("one event per request: the oldest row of each channel, one request per channel", () => {
    seq = 0;
    const rows = [row("a"), row("a"), row("b"), row("c"), row("b")];
    expect(seqs(plan(rows, new Set(), 10, 1, 10).requests)).toEqual([[1], [3], [4]]);
  });

  test("channels with a request in flight wait", () => {
    seq = 0;
    const rows = [row("a"), row("b"), row("a")];
    const p = plan(rows, new Set(["a"]), 10, 1, 10);
    expect(seqs(p.requests)).toEqual([[2]]);
    expect(p.blocked.has("a")).toBe(true);
  });

  test("a channel waiting for a retry blocks its later rows only, and sets the wake-up time", () => {
    seq = 0;
    const rows = [row("a", { next_attempt_ms: 50, attempts: 1 }), row("b"), row("a"), row("c", { next_attempt_ms: 30, attempts: 2 })];
    const p = plan(rows, new Set(), 10, 1, 10);
    expect(seqs(p.requests)).toEqual([[2]]);
    expect(p.retryAt).toBe(30);
  });

  test("no more requests than free slots", () => {
    seq = 0;
    const rows = [row("a"), row("b"), row("c"), row("d")];
    expect(seqs(plan(rows, new Set(), 10, 1, 2).requests)).toEqual([[1], [2]]);
  });

  test("batches keep a channel's rows together and in order, up to the batch size", () => {
    seq = 0;
    const rows = [row("a"), row("b"), row("a"), row("c"), row("a"), row("b"), row("d")];
    // Rows 5 (a) and 6 (b) wait: their channels are in the first, full request, which may fail and retry.
    expect(seqs(plan(rows, new Set(), 10, 4, 4).requests)).toEqual([[1, 2, 3, 4], [7]]);
  });
});

describe("back-off", () => {
  const policy = { backoffMs: 1000, backoffMaxMs: 60_000, retryPeriodMs: 300_000 };

  test("doubles from the base, capped, within the upper half of the nominal delay", () => {
    expect([1, 2, 3, 4, 7, 8, 20].map((n) => retryDelay(n, policy, () => 1))).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
    expect([1, 2, 8].map((n) => retryDelay(n, policy, () => 0))).toEqual([500, 1000, 30_000]);
  });

  test("the last try is at the deadline; after it, give up", () => {
    expect(nextAttempt(1, 0, 100, policy, () => 1)).toBe(1100);
    expect(nextAttempt(9, 0, 280_000, policy, () => 1)).toBe(300_000);
    expect(nextAttempt(10, 0, 300_000, policy, () => 1)).toBeUndefined();
  });

  test("about 11 tries over 5 minutes with the defaults", () => {
    let now = 0;
    let tries = 1;
    for (let at = nextAttempt(1, 0, now, policy, () => 1); at !== undefined; at = nextAttempt(tries, 0, now, policy, () => 1)) {
      now = at;
      tries++;
    }
    expect(tries).toBe(11);
  });
});
