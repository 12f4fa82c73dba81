/**
 * Lifecycle bus → outbox. On the WebSocket path it only routes the event, serialises it once and
 * queues the inserts; the TickWriter commits the tick's rows in one transaction, consecutive ones in
 * one statement (a Batched kind of write: `rows` below). Removals are written
 * at once with ready_ms at the end of the delay window, and cancelled with their twin (holds.ts).
 * '#server-to-user-' channels never reach these bus events (engine/subscriptions.ts), so they never
 * produce webhooks.
 */
import type { LifecycleBus } from "../engine/bus";
import type { Clock } from "../engine/ports";
import type { Db } from "../store/db";
import type { Backlog } from "./backlog";
import type { EndpointDirectory } from "./endpoint-directory";
import { channelHoldKey, memberHoldKey, type HeldRow, type RemovalHolds } from "./holds";
import type { NewOutboxRow, OutboxStore } from "./outbox-store";
import { BUS_EVENTS, toWebhookEvent, type BusEventName, type WebhookEvent } from "./payloads";
import type { WebhookEndpoint } from "./schema";
import type { AfterCommit, Batched, TickWriter } from "./tick-writer";

export interface RecorderDeps {
  bus: LifecycleBus;
  directory: EndpointDirectory;
  outbox: OutboxStore;
  writer: TickWriter;
  holds: RemovalHolds;
  backlog: Backlog;
  clock: Clock;
  delayMs: number;
  /** Told when a row for an endpoint is written (in the tick's transaction), with when it is due. */
  queued: (endpointId: string, readyMs: number) => void;
  /**
   * Several nodes share the outbox: a removal held by one node is cancelled by a comeback seen on
   * another, so a twin without a local hold also looks for held rows in the outbox (in the tick's
   * transaction: the WebSocket path never waits for the database).
   */
  sharedOutbox?: boolean;
}

type Any = { appId: string; channel: string; userId?: string };

/** A new row queued for the tick; `ref` is what a comeback cancels (held rows), and gets the seq. */
interface QueuedRow {
  row: NewOutboxRow;
  ref: HeldRow;
}

/** What each bus event does about holds: start one (removals), end one (their twins) or nothing. */
const HOLD_ROLE: Record<BusEventName, { role: "start" | "end" | "none"; key?: (e: Any) => string }> = {
  vacated: { role: "start", key: (e) => channelHoldKey(e.appId, e.channel) },
  occupied: { role: "end", key: (e) => channelHoldKey(e.appId, e.channel) },
  member_removed: { role: "start", key: (e) => memberHoldKey(e.appId, e.channel, e.userId!) },
  member_added: { role: "end", key: (e) => memberHoldKey(e.appId, e.channel, e.userId!) },
  client_event: { role: "none" },
  cache_miss: { role: "none" },
  subscription_count: { role: "none" },
};

export class Recorder {
  private readonly unsubscribe: (() => void)[] = [];
  /** The tick's new rows: each run of them queued together is written in one statement. */
  private readonly rows: Batched<QueuedRow> = { write: (tx, items) => this.insert(tx, items) };

  constructor(private readonly deps: RecorderDeps) {}

  start(): void {
    for (const name of BUS_EVENTS) {
      this.unsubscribe.push(this.deps.bus.on(name, (event) => this.record(name, event as Any)));
    }
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private record(name: BusEventName, event: Any): void {
    const { directory, holds, clock, delayMs } = this.deps;
    if (!directory.hasApp(event.appId)) return;
    const spec = HOLD_ROLE[name];
    if (spec.role === "end") {
      const key = spec.key!(event);
      const held = holds.take(key);
      if (held !== undefined) return this.cancel(held, key);
      // Made here rather than by a closure shared by both paths: a closure would cost two objects on
      // every occupied and vacated, also for apps without webhooks (bench/README.md).
      if (this.deps.sharedOutbox) return this.unlessHeldElsewhere(event.appId, toWebhookEvent(name, event as never), key);
    }
    const made = toWebhookEvent(name, event as never);
    const endpoints = directory.route(event.appId, made.type);
    const now = clock.now();
    if (spec.role === "start" && delayMs > 0) {
      const key = spec.key!(event);
      const rows: HeldRow[] = [];
      for (const endpoint of endpoints) this.enqueue(endpoint, made, now + delayMs, key, rows);
      // Even with no row to hold, the hold suppresses the twin for endpoints that only want the twin.
      holds.hold(key, now + delayMs, rows);
      return;
    }
    for (const endpoint of endpoints) this.enqueue(endpoint, made, now, null);
  }

  private admit(endpoint: WebhookEndpoint): boolean {
    return this.deps.backlog.admit(endpoint.id, `${endpoint.id} (app ${endpoint.appId}, ${endpoint.url})`);
  }

  private enqueue(endpoint: WebhookEndpoint, webhook: WebhookEvent, readyMs: number, holdKey: string | null, held?: HeldRow[]): void {
    if (!this.admit(endpoint)) return;
    const ref: HeldRow = { endpointId: endpoint.id };
    held?.push(ref);
    this.deps.writer.addTo(this.rows, { row: row(endpoint, webhook, readyMs, holdKey), ref }, () => this.deps.backlog.settled(endpoint.id));
  }

  /** Writes a run of queued rows (in the tick's transaction) and answers what each does once committed. */
  private async insert(tx: Db, items: readonly QueuedRow[]): Promise<AfterCommit[]> {
    const { outbox, backlog, queued } = this.deps;
    // Decided now, at commit time: a comeback since the row was queued stops its insert.
    const skipped = items.map((q) => q.ref.cancelled === true);
    const seqs = await outbox.on(tx).insertMany(items.filter((_, i) => !skipped[i]).map((q) => q.row));
    let next = 0;
    return items.map(({ row: { endpointId, readyMs, holdKey }, ref }, i) => {
      const seq = skipped[i] ? undefined : seqs[next++];
      if (seq === undefined) return () => backlog.settled(endpointId);
      return () => {
        ref.seq = seq;
        // Cancelled while its transaction was committing: nobody else will delete it.
        if (ref.cancelled && holdKey !== null) this.cancel([{ endpointId, seq }], holdKey);
        queued(endpointId, readyMs);
      };
    });
  }

  /**
   * A twin with no hold in this process: in the tick's transaction, delete the removal's held rows
   * another node wrote; only if there were none is the twin recorded.
   */
  private unlessHeldElsewhere(appId: string, webhook: WebhookEvent, key: string): void {
    const { directory, outbox, writer, backlog, queued, clock } = this.deps;
    const now = clock.now();
    const endpoints = directory.route(appId, webhook.type).filter((e) => this.admit(e));
    const settleAll = () => endpoints.forEach((e) => backlog.settled(e.id));
    writer.add(async (tx) => {
      const store = outbox.on(tx);
      const cancelled = await store.cancelHeld(key, now);
      if (cancelled.length > 0) {
        return () => {
          settleAll();
          for (const id of cancelled) backlog.settled(id);
        };
      }
      const seqs = await store.insertMany(endpoints.map((endpoint) => row(endpoint, webhook, now, null)));
      return () => {
        endpoints.forEach((e, i) => (seqs[i] !== undefined ? queued(e.id, now) : backlog.settled(e.id)));
      };
    }, settleAll);
  }

  /** The twin came back inside the window: delete the held rows (or stop their inserts). */
  private cancel(rows: HeldRow[], key: string): void {
    const { outbox, writer, backlog } = this.deps;
    for (const ref of rows) {
      ref.cancelled = true;
      if (ref.seq === undefined) continue; // its insert is still queued and will see `cancelled`
      const seq = ref.seq;
      writer.add(async (tx) => {
        if (await outbox.on(tx).cancel(seq, key)) return () => backlog.settled(ref.endpointId);
      });
    }
  }
}

function row(endpoint: WebhookEndpoint, webhook: WebhookEvent, readyMs: number, holdKey: string | null): NewOutboxRow {
  return { endpointId: endpoint.id, appId: endpoint.appId, channel: webhook.channel, type: webhook.type, event: webhook.json, readyMs, holdKey };
}
