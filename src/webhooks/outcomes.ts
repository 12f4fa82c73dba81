/**
 * What happens after a request (or when events expire untried): outbox rows deleted, rescheduled or
 * given up; one delivery-log entry per request; webhook_sent / webhook_failed on the bus. The writes
 * join the tick's transaction (TickWriter); the bus events go out at once.
 */
import type { LifecycleBus } from "../engine/bus";
import { nextAttempt, type BackoffPolicy } from "./backoff";
import type { Backlog } from "./backlog";
import type { DeliveryLogStore, NewLogEntry } from "./log-store";
import type { OutboxRow, OutboxStore } from "./outbox-store";
import type { WebhookEndpoint } from "./schema";
import type { SendResult } from "./sender";
import type { TickWriter } from "./tick-writer";

export interface OutcomeDeps {
  outbox: OutboxStore;
  log: DeliveryLogStore;
  writer: TickWriter;
  backlog: Backlog;
  bus: LifecycleBus;
  policy: BackoffPolicy;
  random?: () => number;
}

export class Outcomes {
  constructor(private readonly deps: OutcomeDeps) {}

  /** A request ended: 2xx deletes its rows; a failure reschedules each row, or gives it up past its deadline. */
  request(endpoint: WebhookEndpoint, rows: OutboxRow[], result: SendResult, now: number, giveUp = false): void {
    const { outbox, writer, backlog, bus, policy } = this.deps;
    const attempt = Math.max(...rows.map((r) => r.attempts)) + 1;
    const retryAt = rows.map((row) => (result.ok || giveUp ? undefined : nextAttempt(row.attempts + 1, row.ready_ms, now, policy, this.deps.random)));
    const retrying = retryAt.some((at) => at !== undefined);
    const entry = this.entry(endpoint, rows, now, { kind: "delivery", attempt, status: result.status, latencyMs: result.latencyMs, error: result.error });
    entry.outcome = result.ok ? "delivered" : retrying ? "retrying" : "failed";
    writer.add(async (tx) => {
      const store = outbox.on(tx);
      const done: number[] = [];
      for (const [i, row] of rows.entries()) {
        const at = retryAt[i];
        if (at !== undefined) await store.retry(row.seq, endpoint.id, row.attempts + 1, at, result.error ?? "failed");
        else done.push(row.seq);
      }
      const gone = await store.delete(done, endpoint.id);
      await this.deps.log.on(tx).append(entry);
      return () => backlog.settled(endpoint.id, gone);
    });
    const event = busEvent(entry);
    if (result.ok) bus.emit("webhook_sent", event);
    else bus.emit("webhook_failed", { ...event, error: result.error ?? "failed", willRetry: retrying });
  }

  /** Rows past their retry period that never got (another) try, e.g. the backlog of a hanging endpoint. */
  expired(endpoint: WebhookEndpoint, rows: OutboxRow[], now: number, periodMs: number): void {
    const error = `not delivered within ${periodMs < 10_000 ? `${periodMs} ms` : `${Math.round(periodMs / 1000)} s`}`;
    const entry = this.entry(endpoint, rows, now, { kind: "expired", attempt: 0, status: null, latencyMs: null, error });
    const { outbox, writer, backlog, bus } = this.deps;
    writer.add(async (tx) => {
      const store = outbox.on(tx);
      const gone = await store.delete(
        rows.map((row) => row.seq),
        endpoint.id,
      );
      await this.deps.log.on(tx).append(entry);
      return () => backlog.settled(endpoint.id, gone);
    });
    console.warn(`mawjly: webhook endpoint ${endpoint.id} (app ${endpoint.appId}): gave up ${rows.length} events ${error}`);
    bus.emit("webhook_failed", { ...busEvent(entry), error, willRetry: false });
  }

  private entry(
    endpoint: WebhookEndpoint,
    rows: OutboxRow[],
    now: number,
    fields: Pick<NewLogEntry, "kind" | "attempt" | "status" | "latencyMs" | "error">,
  ): NewLogEntry {
    return {
      appId: endpoint.appId,
      endpointId: endpoint.id,
      url: endpoint.url,
      atMs: now,
      outcome: "failed",
      eventTypes: [...new Set(rows.map((r) => r.type))],
      eventCount: rows.length,
      events: `[${rows.map((r) => r.event).join(",")}]`,
      ...fields,
    };
  }
}

function busEvent(e: NewLogEntry) {
  const { appId, endpointId, url, eventTypes, eventCount, attempt, status, latencyMs } = e;
  return { appId, endpointId, url, eventTypes, eventCount, attempt, status, latencyMs };
}
