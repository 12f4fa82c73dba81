/**
 * One socket's steps in arrival order. A port may answer later (a shared store), yet a socket's frames
 * must take effect and be answered in the order they arrived: a step whose answer is pending queues
 * the socket's later steps (and its close) behind it. With the memory adapters every step completes at
 * once and nothing is queued, so the single-node path gets no promise and no microtask.
 */
import type { MaybePromise } from "./maybe";
import type { Session } from "./session";

/** Frames one socket may have waiting behind a step whose port answer is on the way (cluster mode). */
export const MAX_QUEUED_STEPS = 100;

export function runStep(session: Session, step: () => MaybePromise<void>, fail: (err: unknown) => void, overloaded: () => void): void {
  if (session.pending !== undefined) {
    // A client that sends faster than the shared store answers must not grow the server's memory.
    if (session.queued >= MAX_QUEUED_STEPS) return overloaded();
    session.queued++;
    const next: Promise<void> = session.pending
      .then(step)
      .catch(fail)
      .then(() => {
        session.queued--;
        if (session.pending === next) session.pending = undefined;
      });
    session.pending = next;
    return;
  }
  let result: MaybePromise<void>;
  try {
    result = step();
  } catch (err) {
    return fail(err);
  }
  if (result instanceof Promise) {
    const next: Promise<void> = result.catch(fail).then(() => {
      if (session.pending === next) session.pending = undefined;
    });
    session.pending = next;
  }
}
