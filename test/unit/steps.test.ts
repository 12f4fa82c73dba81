/**
 * A socket's steps (engine/steps.ts): synchronous steps run at once; behind a step whose answer is
 * pending, later steps wait in order; errors reach `fail` and do not stop the queue; past
 * MAX_QUEUED_STEPS waiting steps the socket is overloaded instead of growing the queue.
 */
import { expect, test } from "bun:test";
import { MAX_QUEUED_STEPS, runStep, type StepOwner } from "../../src/engine/steps";
import type { Session } from "../../src/engine/session";

function fakeSession() {
  return { pending: undefined, queued: 0 } as unknown as Session;
}

function owner(fail: (err: unknown) => void = () => {}, overloaded: () => void = () => {}): StepOwner {
  return { fail: (_session, err) => fail(err), overloaded: () => overloaded() };
}

test("synchronous steps run at once and leave nothing pending", () => {
  const s = fakeSession();
  const seen: number[] = [];
  runStep(s, () => void seen.push(1), owner());
  runStep(s, () => void seen.push(2), owner());
  expect(seen).toEqual([1, 2]);
  expect(s.pending).toBeUndefined();
});

test("steps behind a pending one run in order after it; an error goes to fail and the queue goes on", async () => {
  const s = fakeSession();
  const seen: string[] = [];
  const failures: unknown[] = [];
  let release!: () => void;
  runStep(s, () => new Promise<void>((r) => (release = r)).then(() => void seen.push("a")), owner((e) => failures.push(e)));
  runStep(s, () => { throw new Error("b failed"); }, owner((e) => failures.push(e)));
  runStep(s, () => void seen.push("c"), owner((e) => failures.push(e)));
  expect(seen).toEqual([]);
  expect(s.queued).toBe(2);
  release();
  await s.pending;
  expect(seen).toEqual(["a", "c"]);
  expect(failures.map((e) => (e as Error).message)).toEqual(["b failed"]);
  expect(s.pending).toBeUndefined();
  expect(s.queued).toBe(0);
});

test(`more than ${MAX_QUEUED_STEPS} waiting steps overload the socket instead of growing the queue`, async () => {
  const s = fakeSession();
  let overloads = 0;
  let release!: () => void;
  runStep(s, () => new Promise<void>((r) => (release = r)), owner(undefined, () => overloads++));
  let ran = 0;
  for (let i = 0; i < MAX_QUEUED_STEPS + 5; i++) runStep(s, () => void ran++, owner(undefined, () => overloads++));
  expect(s.queued).toBe(MAX_QUEUED_STEPS);
  expect(overloads).toBe(5);
  release();
  await s.pending;
  expect(ran).toBe(MAX_QUEUED_STEPS);
});
