/**
 * Waiting for a condition in tests, never for a fixed time: the condition is polled until it holds,
 * within a bound, and a timeout says what was awaited (and the last value seen), so that a test
 * passes on a loaded CPU as soon as the thing happened and fails with a readable line when it did not.
 */

/** Resolves with the first truthy value of `check`; throws "timed out after N ms waiting for WHAT". */
export async function until<T>(check: () => T | Promise<T>, what: string, ms = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** Polls `probe` until `done` accepts its value, and returns that value; the error shows the last one. */
export async function eventually<T>(probe: () => Promise<T> | T, done: (value: T) => boolean, ms = 1500): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms; last value: ${JSON.stringify(value)}`);
    await Bun.sleep(25);
  }
}
