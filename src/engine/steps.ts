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

/** Who handles a step's error and an overloaded socket (the engine). */
export interface StepOwner {
  fail(session: Session, err: unknown): void;
  overloaded(session: Session): void;
}

/**
 * A step is a plain function of its owner, the socket and one argument (the frame's text, the close
 * code), not a closure: the engine runs three steps per connection, and a closure made for each
 * would be garbage on every connect (bench/README.md, "Server CPU per reconnect"). Closures are made
 * only on the paths that wait for a port.
 */
export type Step<O, A> = (owner: O, session: Session, arg: A) => MaybePromise<void>;

export function runStep<O extends StepOwner, A>(owner: O, session: Session, step: Step<O, A>, arg: A): void {
  if (session.pending !== undefined) return queue(owner, session, step, arg);
  let result: MaybePromise<void>;
  try {
    result = step(owner, session, arg);
  } catch (err) {
    return owner.fail(session, err);
  }
  if (result instanceof Promise) wait(owner, session, result);
}

/** Behind the step whose answer is pending. */
function queue<O extends StepOwner, A>(owner: O, session: Session, step: Step<O, A>, arg: A): void {
  // A client that sends faster than the shared store answers must not grow the server's memory.
  if (session.queued >= MAX_QUEUED_STEPS) return owner.overloaded(session);
  session.queued++;
  const next: Promise<void> = session
    .pending!.then(() => step(owner, session, arg))
    .catch((err: unknown) => owner.fail(session, err))
    .then(() => {
      session.queued--;
      if (session.pending === next) session.pending = undefined;
    });
  session.pending = next;
}

/** A step that now waits for a port: later steps queue behind it until it settles. */
function wait(owner: StepOwner, session: Session, result: Promise<void>): void {
  const next: Promise<void> = result
    .catch((err: unknown) => owner.fail(session, err))
    .then(() => {
      if (session.pending === next) session.pending = undefined;
    });
  session.pending = next;
}
