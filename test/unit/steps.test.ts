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
  runStep(owner(), s, () => void seen.push(1), undefined);
  runStep(owner(), s, () => void seen.push(2), undefined);
  expect(seen).toEqual([1, 2]);
  expect(s.pending).toBeUndefined();
});

test("steps behind a pending one run in order after it; an error goes to fail and the queue goes on", async () => {
  const s = fakeSession();
  const seen: string[] = [];
  const failures: unknown[] = [];
  let release!: () => void;
  runStep(owner((e) => failures.push(e)), s, () => new Promise<void>((r) => (release = r)).then(() => void seen.push("a")), undefined);
  runStep(owner((e) => failures.push(e)), s, () => { throw new Error("b failed"); }, undefined);
  runStep(owner((e) => failures.push(e)), s, () => void seen.push("c"), undefined);
  expect(seen).toEqual([]);
  expect(s.queued).toBe(2);
  release();
  await s.pending;
  expect(seen).toEqual(["a", "c"]);
  expect(failures.map((e) => (e as Error).message)).toEqual(["b failed"]);
  expect(s.pending).toBeUndefined();
  expect(s.queued).toBe(0);
});

test("a step gets its owner, its socket and its argument, also when it waited behind another", async () => {
  const s = fakeSession();
  const o = owner();
  const seen: unknown[] = [];
  const step = (got: StepOwner, session: Session, arg: string) => void seen.push([got === o, session === s, arg]);
  runStep(o, s, step, "now");
  let release!: () => void;
  runStep(o, s, () => new Promise<void>((r) => (release = r)), undefined);
  runStep(o, s, step, "later");
  expect(seen).toEqual([[true, true, "now"]]);
  release();
  await s.pending;
  expect(seen).toEqual([[true, true, "now"], [true, true, "later"]]);
});

test(`more than ${MAX_QUEUED_STEPS} waiting steps overload the socket instead of growing the queue`, async () => {
  const s = fakeSession();
  let overloads = 0;
  let release!: () => void;
  runStep(owner(undefined, () => overloads++), s, () => new Promise<void>((r) => (release = r)), undefined);
  let ran = 0;
  for (let i = 0; i < MAX_QUEUED_STEPS + 5; i++) runStep(owner(undefined, () => overloads++), s, () => void ran++, undefined);
  expect(s.queued).toBe(MAX_QUEUED_STEPS);
  expect(overloads).toBe(5);
  release();
  await s.pending;
  expect(ran).toBe(MAX_QUEUED_STEPS);
});
