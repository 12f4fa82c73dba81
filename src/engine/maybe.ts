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

/** Like Promise.all, but synchronous when every value is ready. */
export function all<T>(values: MaybePromise<T>[]): MaybePromise<T[]> {
  for (const value of values) if (value instanceof Promise) return Promise.all(values);
  return values as T[];
}
