/**
 * PlanQuotas answers from a snapshot of every account's plan, never waiting on the store: loaded at
 * start, reloaded every interval and at once on refresh(), corrected by observe(); an account it does
 * not know is unlimited and makes it reload; a failing reload keeps the last snapshot and is reported
 * at most once a minute.
 */
import { afterEach, expect, test } from "bun:test";
import { until } from "../support/wait";
import { PlanQuotas } from "../../src/accounts/quotas";
import type { Plan } from "../../src/accounts/schemas";
import type { PlanSnapshot } from "../../src/accounts/store";
import { MemoryCounters } from "../../src/adapters/counters/memory";

const plan = (id: string, maxConnections: number): Plan => ({
  id,
  name: id.toUpperCase(),
  maxApps: 0,
  maxConnections,
  maxAppConnections: 0,
  maxMessagesPerDay: 0,
  createdAt: "2026-01-01T00:00:00.000Z",
});

/** A loader over an editable table; `fail` makes it throw, `loads` counts calls. */
function source() {
  const state = {
    accounts: new Map([["a1", "small"]]),
    admins: new Set<string>(),
    plans: [plan("small", 1), plan("big", 3)],
    fail: false,
    loads: 0,
  };
  const load = async (): Promise<PlanSnapshot> => {
    state.loads++;
    await Bun.sleep(1);
    if (state.fail) throw new Error("connection refused");
    return { planOfAccount: new Map(state.accounts), admins: new Set(state.admins), plans: new Map(state.plans.map((p) => [p.id, p])) };
  };
  return { state, load };
}

let time = 1_000_000;
const clock = { now: () => time };
const running: PlanQuotas[] = [];
afterEach(async () => {
  for (const q of running.splice(0)) await q.stop();
});

async function quotas(load: () => Promise<PlanSnapshot>, everyMs = 60_000, report: (m: string) => void = () => {}) {
  const q = new PlanQuotas(new MemoryCounters(clock), load, clock, report);
  running.push(q);
  await q.start(everyMs);
  return q;
}

const app = (accountId: string | null) => ({ id: `app-${accountId}`, accountId });

test("connections are admitted from the snapshot, without a load per connect", async () => {
  const { state, load } = source();
  const q = await quotas(load);
  expect(state.loads).toBe(1);
  expect(await q.admitConnection(app("a1"))).toBeNull();
  expect(await q.admitConnection(app("a1"))).toBe("Over connection quota: the SMALL plan allows 1 concurrent connections");
  expect(await q.admitConnection(app(null))).toBeNull();
  expect(state.loads).toBe(1);
});

test("refresh() reloads at once; several at a time share loads, and each settles after a load that began after it", async () => {
  const { state, load } = source();
  const q = await quotas(load);
  state.accounts.set("a1", "big");
  const first = q.refresh();
  state.plans[1] = plan("big", 2);
  const second = q.refresh();
  const third = q.refresh();
  await Promise.all([first, second, third]);
  expect(state.loads).toBe(3);
  expect(q.planOf("a1")?.maxConnections).toBe(2);
});

test("the interval reloads in the background: changes made elsewhere apply within it", async () => {
  const { state, load } = source();
  const q = await quotas(load, 20);
  expect(q.isAdmin("a1")).toBe(false);
  state.accounts.set("a1", "big");
  state.admins.add("a1");
  // Within a few intervals (a condition, not a fixed wait: a loaded machine delays timers).
  await until(() => q.isAdmin("a1"), "the interval's reload", 2000);
  expect(q.planOf("a1")?.id).toBe("big");
  expect(q.isAdmin("a1")).toBe(true);
});

test("an unknown account is not limited and makes the snapshot reload; observe() takes a fresh plan id at once", async () => {
  const { state, load } = source();
  const q = await quotas(load);
  expect(q.planOf("new")).toBeUndefined();
  expect(await q.admitConnection(app("new"))).toBeNull();
  expect(q.admitMessages(app("new"), 1_000_000)).toBe(true);
  state.accounts.set("new", "small");
  await q.refresh();
  expect(q.planOf("new")?.id).toBe("small");

  q.observe({ id: "a1", planId: "big", isAdmin: true });
  expect(q.planOf("a1")?.id).toBe("big");
  expect(q.isAdmin("a1")).toBe(true);
  const loads = state.loads;
  q.observe({ id: "a1", planId: "big", isAdmin: false });
  expect(q.isAdmin("a1")).toBe(false);
  expect(state.loads).toBe(loads);
});

test("a failing reload keeps the last snapshot and is reported at most once a minute", async () => {
  const { state, load } = source();
  const reports: string[] = [];
  const q = await quotas(load, 60_000, (m) => reports.push(m));
  state.fail = true;
  await q.refresh();
  await q.refresh();
  expect(q.planOf("a1")?.id).toBe("small");
  expect(reports).toEqual(["mawjly: could not reload the account plans; quotas keep the plans last loaded: connection refused"]);
  time += 60_000;
  await q.refresh();
  expect(reports).toHaveLength(2);
  state.fail = false;
  state.accounts.set("a1", "big");
  await q.refresh();
  expect(q.planOf("a1")?.id).toBe("big");
});

test("stop() ends the reloads and waits for the one under way", async () => {
  const { state, load } = source();
  const q = await quotas(load, 10);
  void q.refresh();
  await q.stop();
  const loads = state.loads;
  await Bun.sleep(40); // two intervals in which nothing may load
  await q.refresh();
  expect(state.loads).toBe(loads);
});
