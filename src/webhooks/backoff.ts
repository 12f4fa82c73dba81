/**
 * Retry timing (PUSHER-PROTOCOL.md §6.4: Pusher retries with exponential back-off for 5 minutes).
 * Delay n = base · 2^(n−1), capped, with "equal jitter" (a uniformly random point in its upper half):
 * never less than half the nominal delay, and endpoints that failed together do not retry in lockstep.
 * With the defaults (1 s base, 60 s cap, 5 min period) an event is tried about 11 times:
 * at ~0, 1, 3, 7, 15, 31, 63, 123, 183, 243 s and at the deadline.
 */
export interface BackoffPolicy {
  backoffMs: number;
  backoffMaxMs: number;
  retryPeriodMs: number;
}

export function retryDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const nominal = Math.min(policy.backoffMaxMs, policy.backoffMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}

/**
 * When to try again after the attempt-th failure of an event that happened at `readyMs`, or
 * undefined to give up. The last try is at the deadline itself, so a receiver that comes back in the
 * final minute still gets the event.
 */
export function nextAttempt(attempt: number, readyMs: number, now: number, policy: BackoffPolicy, random?: () => number): number | undefined {
  const deadline = readyMs + policy.retryPeriodMs;
  if (now >= deadline) return undefined;
  return Math.min(now + retryDelay(attempt, policy, random), deadline);
}
