/**
 * Which outbox rows go out next for one endpoint, as requests. Pure, for unit tests.
 *
 * Ordering guarantee: per endpoint and channel, events are delivered in (ready_ms, seq) order and a
 * channel has at most one request in flight. A channel whose oldest row waits for a retry is blocked
 * (its later rows wait behind it); other channels carry on. A request holds one event, or up to
 * `perRequest` for batching endpoints, where rows of one channel stay consecutive and in order.
 */
import type { OutboxRow } from "./outbox-store";

export interface Plan {
  requests: OutboxRow[][];
  /** Channels that could not go now (in flight or waiting for a retry). */
  blocked: Set<string>;
  /** Earliest retry time seen among blocked channels, to wake up for. */
  retryAt: number | undefined;
}

export function plan(rows: readonly OutboxRow[], busy: ReadonlySet<string>, now: number, perRequest: number, maxRequests: number): Plan {
  const blocked = new Set(busy);
  const requests: OutboxRow[][] = [];
  let current: OutboxRow[] = [];
  let currentChannels = new Set<string>();
  let retryAt: number | undefined;

  const close = () => {
    if (current.length === 0) return;
    requests.push(current);
    for (const channel of currentChannels) blocked.add(channel);
    current = [];
    currentChannels = new Set();
  };

  for (const row of rows) {
    if (requests.length >= maxRequests) break;
    if (blocked.has(row.channel)) continue;
    if (row.next_attempt_ms > now) {
      retryAt = retryAt === undefined ? row.next_attempt_ms : Math.min(retryAt, row.next_attempt_ms);
      blocked.add(row.channel);
      // Rows of this channel already in the current request are older; they may go, later ones wait.
      continue;
    }
    current.push(row);
    currentChannels.add(row.channel);
    if (current.length >= perRequest) close();
  }
  if (requests.length < maxRequests) close();
  return { requests, blocked, retryAt };
}
