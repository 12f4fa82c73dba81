/**
 * Delivers the outbox. Each endpoint has its own lane: at most `concurrency` requests in flight, its
 * own timers and its own backlog, so a slow or dead endpoint only ever waits on itself — never on the
 * WebSocket path (which only queues writes) nor on other endpoints. A lane wakes when rows are
 * committed for it, when a request ends, when a retry or held removal falls due, and on the periodic
 * poll. Delivery is at-least-once: rows are deleted only after a 2xx (or when given up), so a crash
 * mid-request repeats that request after the restart.
 */
import type { AppDirectory } from "../engine/app";
import type { LifecycleBus } from "../engine/bus";
import type { Clock } from "../engine/ports";
import type { Backlog } from "./backlog";
import type { WebhookConfig } from "./config";
import type { EndpointDirectory } from "./endpoint-directory";
import type { SqliteDeliveryLog } from "./log-store";
import type { OutboxRow, SqliteOutbox } from "./outbox-store";
import { webhookBody, webhookHeaders } from "./payloads";
import { Outcomes } from "./outcomes";
import { plan } from "./plan";
import type { WebhookEndpoint } from "./schema";
import type { Report } from "./problems";
import type { AppSender } from "./targets";
import type { TickWriter } from "./tick-writer";

export interface DispatcherDeps {
  directory: EndpointDirectory;
  apps: AppDirectory;
  outbox: SqliteOutbox;
  log: SqliteDeliveryLog;
  writer: TickWriter;
  backlog: Backlog;
  bus: LifecycleBus;
  clock: Clock;
  config: WebhookConfig;
  /** Guarded by the app's private-target rule (targets.ts). */
  send: AppSender;
  random?: () => number;
  /** Where a failing look at the outbox (e.g. a corrupted database) is said, in one line. */
  report: Report;
  /**
   * Whether this process delivers now. Cluster nodes sharing one outbox elect one deliverer
   * (adapters/redis/lease.ts); the others only write rows, which the deliverer's poll picks up.
   */
  active?: () => boolean;
}

interface Lane {
  busy: Set<string>;
  inFlight: Set<Promise<void>>;
  scheduled: boolean;
  /** Rows committed since the last look (batching: look early once a full batch may be there). */
  fresh: number;
  /** Batching: the oldest ready row's window ends then. */
  batchAt?: number;
  timer?: ReturnType<typeof setTimeout>;
  timerAt?: number;
  lastExpiry: number;
}

/** Past the deadline, rows are given up without a try; the grace lets a final try scheduled at the deadline run. */
const EXPIRY_GRACE_MS = 1000;
const EXPIRY_BATCH = 1000;
const WAKE_GRID_MS = 10;
const ABORT_SETTLE_MS = 100;

export class Dispatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly stopping = new AbortController();
  /** Set when stop() begins: no new requests, but completions of those in flight are still recorded. */
  private closing = false;
  private stopped = false;

  private readonly outcomes: Outcomes;

  constructor(private readonly deps: DispatcherDeps) {
    this.outcomes = new Outcomes({ ...deps, policy: deps.config });
  }

  /** Looks at an endpoint's outbox soon (coalesced: many kicks in one tick cost one look). */
  kick(endpointId: string): void {
    const lane = this.lane(endpointId);
    if (lane.scheduled || this.closing || this.deps.active?.() === false) return;
    lane.scheduled = true;
    setImmediate(() => {
      try {
        this.pump(endpointId);
      } catch (err) {
        this.deps.report("delivery", err); // the next kick or poll tries again
      }
    });
  }

  /**
   * A row was committed for the endpoint. A held removal only needs a timer for when it becomes
   * ready; a batching endpoint waiting for its window only looks again once a full batch may be there.
   */
  queued(endpointId: string, readyMs: number): void {
    const lane = this.lane(endpointId);
    lane.fresh++;
    if (readyMs > this.deps.clock.now()) this.wakeAt(endpointId, lane, readyMs);
    else this.kick(endpointId);
  }

  kickAll(): void {
    for (const endpoint of this.deps.directory.all()) this.kick(endpoint.id);
    for (const id of this.lanes.keys()) if (this.deps.directory.byId(id) === undefined) this.drop(id);
  }

  inFlight(endpointId: string): number {
    return this.lanes.get(endpointId)?.inFlight.size ?? 0;
  }

  /**
   * Lets requests in flight finish for up to `graceMs`, then aborts them; their rows stay pending and
   * are sent again after the restart (at-least-once). An aborted request settles at once, but a
   * moment is allowed for it before outcomes stop being recorded, so stop() takes at most
   * `graceMs + ABORT_SETTLE_MS` even when an endpoint never answers.
   */
  async stop(graceMs: number): Promise<void> {
    this.closing = true;
    for (const lane of this.lanes.values()) clearTimeout(lane.timer);
    const settled = Promise.allSettled([...this.lanes.values()].flatMap((lane) => [...lane.inFlight]));
    await within(settled, graceMs);
    this.stopping.abort();
    await within(settled, ABORT_SETTLE_MS);
    this.stopped = true;
  }

  private lane(endpointId: string): Lane {
    let lane = this.lanes.get(endpointId);
    if (lane === undefined) {
      lane = { busy: new Set(), inFlight: new Set(), scheduled: false, fresh: 0, lastExpiry: 0 };
      this.lanes.set(endpointId, lane);
    }
    return lane;
  }

  private drop(endpointId: string): void {
    const lane = this.lanes.get(endpointId);
    if (lane !== undefined && lane.inFlight.size === 0) {
      clearTimeout(lane.timer);
      this.lanes.delete(endpointId);
      this.deps.backlog.forget(endpointId);
    }
  }

  private pump(endpointId: string): void {
    const lane = this.lane(endpointId);
    lane.scheduled = false;
    if (this.closing) return;
    const endpoint = this.deps.directory.byId(endpointId);
    if (endpoint === undefined) return this.drop(endpointId);
    this.deps.writer.flush(); // see our own queued completions and cancellations before choosing rows
    const now = this.deps.clock.now();
    // Paused endpoints send nothing: their rows wait (until they expire); enabling one kicks its lane.
    const wake = endpoint.enabled ? this.startDue(endpoint, lane, now) : undefined;
    // Expiry only after the due requests started: a row whose last try is due now is in flight (its
    // channel busy) and is tried, even when this look comes late (a loaded machine, a long GC pause).
    if (now - lane.lastExpiry >= 1000) this.expire(endpoint, lane, now);
    this.wakeAt(endpointId, lane, wake);
  }

  /** Starts the requests that may go now; returns when to look again. */
  private startDue(endpoint: WebhookEndpoint, lane: Lane, now: number): number | undefined {
    const endpointId = endpoint.id;
    const { outbox, config } = this.deps;
    const free = config.concurrency - lane.inFlight.size;
    const perRequest = endpoint.batch ? config.batchMax : 1;
    let wake = outbox.nextReady(endpointId, now); // one index seek: the next held row's release
    const waitingForBatch = lane.batchAt !== undefined && now < lane.batchAt && lane.fresh < perRequest;
    if (waitingForBatch) wake = min(wake, lane.batchAt);
    if (free > 0 && !waitingForBatch) {
      lane.batchAt = undefined;
      lane.fresh = 0;
      // Enough rows to fill the free slots past the channels in flight; the second look below covers the rest.
      const limit = free * perRequest + lane.busy.size + 16;
      let rows = outbox.ready(endpointId, now, limit);
      let next = plan(rows, lane.busy, now, perRequest, free);
      if (next.requests.length === 0 && rows.length === limit && next.blocked.size > 0) {
        // The window was all blocked channels: look past them, so one channel in retry cannot stall the rest.
        rows = outbox.ready(endpointId, now, limit, [...next.blocked]);
        const more = plan(rows, lane.busy, now, perRequest, free);
        next = { ...more, retryAt: min(next.retryAt, more.retryAt) };
      }
      wake = min(wake, next.retryAt);
      const first = next.requests[0];
      // Batching: wait until the oldest event has waited `batchMs`, unless a request is already full.
      const batchDue = first === undefined ? now : Math.min(...first.map((r) => r.ready_ms)) + config.batchMs;
      if (endpoint.batch && first !== undefined && first.length < perRequest && batchDue > now) {
        lane.batchAt = batchDue;
        wake = min(wake, batchDue);
      } else {
        for (const rows of next.requests) this.start(endpoint, lane, rows);
      }
    }
    return wake;
  }

  private wakeAt(endpointId: string, lane: Lane, at: number | undefined): void {
    if (at === undefined) return;
    // On a 10 ms grid: a thousand removals released per second cost 100 wake-ups, not 1000.
    at = Math.ceil(at / WAKE_GRID_MS) * WAKE_GRID_MS;
    if (lane.timer !== undefined && lane.timerAt !== undefined && lane.timerAt <= at) return;
    clearTimeout(lane.timer);
    lane.timerAt = at;
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      lane.timerAt = undefined;
      this.kick(endpointId);
    }, Math.max(0, at - this.deps.clock.now()));
  }

  private start(endpoint: WebhookEndpoint, lane: Lane, rows: OutboxRow[]): void {
    for (const row of rows) lane.busy.add(row.channel);
    const request = this.deliver(endpoint, rows).finally(() => {
      for (const row of rows) lane.busy.delete(row.channel);
      lane.inFlight.delete(request);
      this.kick(endpoint.id);
    });
    lane.inFlight.add(request);
  }

  private async deliver(endpoint: WebhookEndpoint, rows: OutboxRow[]): Promise<void> {
    const { apps, config, send } = this.deps;
    const app = apps.byId(endpoint.appId);
    if (app === undefined) {
      return this.outcomes.request(endpoint, rows, { ok: false, status: null, latencyMs: 0, error: "the app was deleted" }, this.deps.clock.now(), true);
    }
    const body = webhookBody(Math.min(...rows.map((r) => r.ready_ms)), rows.map((r) => r.event));
    // Signed with the app's primary (oldest active) key pair, as at Pusher, over the exact body sent.
    const result = await send(endpoint.appId, endpoint.url, webhookHeaders(app.key, app.secret, body), body, config.timeoutMs, this.stopping.signal);
    if (this.stopping.signal.aborted && !result.ok) return; // cut short by stop(): not an attempt; rows stay pending
    if (!this.stopped) this.outcomes.request(endpoint, rows, result, this.deps.clock.now());
  }

  /** Gives up rows whose retry period has passed without a try (e.g. a hanging endpoint's backlog). */
  private expire(endpoint: WebhookEndpoint, lane: Lane, now: number): void {
    lane.lastExpiry = now;
    const { outbox, config } = this.deps;
    const cutoff = now - config.retryPeriodMs - EXPIRY_GRACE_MS;
    const rows = outbox.overdue(endpoint.id, cutoff, EXPIRY_BATCH).filter((r) => !lane.busy.has(r.channel));
    if (rows.length > 0) this.outcomes.expired(endpoint, rows, now, config.retryPeriodMs);
  }
}

async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function min(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
