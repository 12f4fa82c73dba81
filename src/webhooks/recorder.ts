/**
 * Lifecycle bus → outbox. On the WebSocket path it only routes the event, serialises it once and
 * queues the inserts; the TickWriter commits the tick's rows in one transaction. Removals are written
 * at once with ready_ms at the end of the delay window, and cancelled with their twin (holds.ts).
 * '#server-to-user-' channels never reach these bus events (engine/subscriptions.ts), so they never
 * produce webhooks.
 */
import type { LifecycleBus } from "../engine/bus";
import type { Clock } from "../engine/ports";
import type { Backlog } from "./backlog";
import type { EndpointDirectory } from "./endpoint-directory";
import { channelHoldKey, memberHoldKey, type HeldRow, type RemovalHolds } from "./holds";
import type { SqliteOutbox } from "./outbox-store";
import { BUS_EVENTS, toWebhookEvent, type BusEventName, type WebhookEvent } from "./payloads";
import type { WebhookEndpoint } from "./schema";
import type { TickWriter } from "./tick-writer";

export interface RecorderDeps {
  bus: LifecycleBus;
  directory: EndpointDirectory;
  outbox: SqliteOutbox;
  writer: TickWriter;
  holds: RemovalHolds;
  backlog: Backlog;
  clock: Clock;
  delayMs: number;
  /** Told when a row for an endpoint is written (in the tick's transaction), with when it is due. */
  queued: (endpointId: string, readyMs: number) => void;
  /**
   * Cluster nodes share the outbox: a removal held by one node is cancelled by a comeback seen on
   * another, so a twin without a local hold also looks for held rows in the outbox.
   */
  sharedOutbox?: boolean;
}

type Any = { appId: string; channel: string; userId?: string };

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
      const held = holds.take(key) ?? this.heldElsewhere(key);
      if (held !== undefined) return this.cancel(held, key);
    }
    const webhook = toWebhookEvent(name, event as never);
    const endpoints = directory.route(event.appId, webhook.type);
    const now = clock.now();
    if (spec.role === "start" && delayMs > 0) {
      const key = spec.key!(event);
      const rows: HeldRow[] = [];
      for (const endpoint of endpoints) this.enqueue(endpoint, webhook, now + delayMs, key, rows);
      // Even with no row to hold, the hold suppresses the twin for endpoints that only want the twin.
      holds.hold(key, now + delayMs, rows);
      return;
    }
    for (const endpoint of endpoints) this.enqueue(endpoint, webhook, now, null);
  }

  private enqueue(endpoint: WebhookEndpoint, webhook: WebhookEvent, readyMs: number, holdKey: string | null, held?: HeldRow[]): void {
    const { outbox, writer, backlog, queued } = this.deps;
    if (!backlog.admit(endpoint.id, `${endpoint.id} (app ${endpoint.appId}, ${endpoint.url})`)) return;
    const ref: HeldRow = { endpointId: endpoint.id };
    held?.push(ref);
    writer.add(() => {
      const seq = ref.cancelled ? undefined : outbox.insert({ endpointId: endpoint.id, appId: endpoint.appId, channel: webhook.channel, type: webhook.type, event: webhook.json, readyMs, holdKey });
      if (seq === undefined) return backlog.settled(endpoint.id);
      ref.seq = seq;
      queued(endpoint.id, readyMs);
    });
  }

  /** Rows another node holds for this removal (committed ones; its pending inserts are not visible yet). */
  private heldElsewhere(key: string): HeldRow[] | undefined {
    if (!this.deps.sharedOutbox) return undefined;
    const rows = this.deps.outbox.heldFor(key, this.deps.clock.now());
    return rows.length === 0 ? undefined : rows.map((r) => ({ endpointId: r.endpoint_id, seq: r.seq }));
  }

  /** The twin came back inside the window: delete the held rows (or stop their inserts). */
  private cancel(rows: HeldRow[], key: string): void {
    const { outbox, writer, backlog } = this.deps;
    for (const ref of rows) {
      ref.cancelled = true;
      if (ref.seq === undefined) continue; // its insert is still queued and will see `cancelled`
      const seq = ref.seq;
      writer.add(() => {
        if (outbox.cancel(seq, key)) backlog.settled(ref.endpointId);
      });
    }
  }
}
