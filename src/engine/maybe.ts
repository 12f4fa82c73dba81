/**
 * Values that are ready now on one node and arrive later from a shared store. Ports return
 * `MaybePromise`, so the memory adapters answer synchronously and the single-node path never waits
 * for a microtask (ARCHITECTURE.md "Several nodes": no `await` on the local fan-out path), while a
 * Redis adapter may answer with a Promise and the engine continues when it resolves.
 */
export type MaybePromise<T> = T | Promise<T>;

/** Runs `next` on the value now if it is ready, else when it resolves. */
export function then<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * `then` for a continuation that needs context: `next(value, a, b, c, d)`. On the per-connect path
 * (bench/README.md, "Server CPU per reconnect") an arrow that captures its caller's variables costs
 * two objects per call (the function and the scope it closes over), even when the value is ready;
 * here `next` is a plain function and a closure is made only when the value has to be waited for.
 */
export function thenWith<T, A, B, C, D, R>(
  value: MaybePromise<T>,
  next: (value: T, a: A, b: B, c: C, d: D) => MaybePromise<R>,
  a: A,
  b: B,
  c: C,
  d: D,
): MaybePromise<R> {
  return value instanceof Promise ? later(value, next, a, b, c, d) : next(value, a, b, c, d);
}

// Apart from thenWith, so that thenWith itself captures nothing and makes no scope per call.
function later<T, A, B, C, D, R>(
  value: Promise<T>,
  next: (value: T, a: A, b: B, c: C, d: D) => MaybePromise<R>,
  a: A,
  b: B,
  c: C,
  d: D,
): Promise<R> {
  return value.then((ready) => next(ready, a, b, c, d));
}

/** Like Promise.all, but synchronous when every value is ready. */
export function all<T>(values: MaybePromise<T>[]): MaybePromise<T[]> {
  for (const value of values) if (value instanceof Promise) return Promise.all(values);
  return values as T[];
}
