/**
 * Delivers the outbox. Each endpoint has its own lane: at most `concurrency` requests in flight, its
 * own timers and its own backlog, so a slow or dead endpoint only ever waits on itself — never on the
 * WebSocket path (which only queues writes) nor on other endpoints. A lane wakes when rows are
 * committed for it, when a request ends, when a retry or held removal falls due, and on the periodic
 * poll. Delivery is at-least-once: rows are deleted only after a 2xx (or when given up), so a crash
 * mid-request repeats that request after the restart.
 *
 * A look at the outbox waits for the store; a lane never runs two looks at once (a kick during a look
 * asks for one more after it), and what a look reads is checked against requests that ended while it
 * read (their completions may not be committed yet), so a row is never started twice.
 *
 * Claims (several nodes sharing one PostgreSQL outbox): instead of reading due rows, a look claims
 * them for this node (row-source.ts); claims are renewed while the node lives and released at a
 * graceful stop, and a dead node's rows are taken over once its claims lapse.
 */
import type { AppDirectory } from "../engine/app";
import type { LifecycleBus } from "../engine/bus";
import type { Clock } from "../engine/ports";
import type { Backlog } from "./backlog";
import type { WebhookConfig } from "./config";
import type { EndpointDirectory } from "./endpoint-directory";
import type { DeliveryLogStore } from "./log-store";
import { ClaimContended, type OutboxRow, type OutboxStore } from "./outbox-store";
import { RowSource } from "./row-source";
import { webhookBody, webhookHeaders } from "./payloads";
import { Outcomes } from "./outcomes";
import { plan } from "./plan";
import { Lane } from "./lane";
import type { WebhookEndpoint } from "./schema";
import type { Report } from "./problems";
import type { AppSender } from "./targets";
import type { TickWriter } from "./tick-writer";
import { within } from "./within";

export interface DispatcherDeps {
  directory: EndpointDirectory;
  apps: AppDirectory;
  outbox: OutboxStore;
  log: DeliveryLogStore;
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
  /** Claim rows before sending them, as this node (a shared outbox several nodes deliver). */
  claims?: { node: string };
}

/** Past the deadline, rows are given up without a try; the grace lets a final try scheduled at the deadline run. */
const EXPIRY_GRACE_MS = 1000;
const EXPIRY_BATCH = 1000;
const ABORT_SETTLE_MS = 100;
/** How soon a look whose claim gave way tries again. */
const CONTENDED_RETRY_MS = 20;

export class Dispatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly looks = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  /** Set when stop() begins: no new requests, but completions of those in flight are still recorded. */
  private closing = false;
  private stopped = false;
  private readonly source: RowSource;
  private readonly outcomes: Outcomes;

  constructor(private readonly deps: DispatcherDeps) {
    this.outcomes = new Outcomes({ ...deps, policy: deps.config });
    this.source = new RowSource(deps);
  }

  /** Looks at an endpoint's outbox soon (coalesced: many kicks in one tick cost one look). */
  kick(endpointId: string): void {
    const lane = this.lane(endpointId);
    if (this.closing || this.deps.active?.() === false) return;
    if (lane.looking) {
      lane.again = true;
      return;
    }
    if (lane.scheduled) return;
    lane.scheduled = true;
    setImmediate(() => this.look(endpointId, lane));
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
   * Lets looks and requests in flight finish for up to `graceMs`, then aborts the requests; their rows
   * stay pending and are sent again after the restart (at-least-once). An aborted request settles at
   * once, but a moment is allowed for it before outcomes stop being recorded, so stop() takes at most
   * `graceMs + ABORT_SETTLE_MS` even when an endpoint never answers or the store is slow.
   */
  async stop(graceMs: number): Promise<void> {
    this.closing = true;
    for (const lane of this.lanes.values()) lane.stopWaking();
    const settled = Promise.allSettled([...this.looks, ...[...this.lanes.values()].flatMap((lane) => [...lane.inFlight])]);
    await within(settled, graceMs);
    this.stopping.abort();
    await within(settled, ABORT_SETTLE_MS);
    this.stopped = true;
    this.source.close();
  }

  /** Ends like a killed process: requests aborted, nothing more recorded, claims left to lapse. */
  kill(): void {
    this.closing = true;
    this.stopped = true;
    this.source.close();
    for (const lane of this.lanes.values()) lane.stopWaking();
    this.stopping.abort();
  }

  private lane(endpointId: string): Lane {
    let lane = this.lanes.get(endpointId);
    if (lane === undefined) {
      lane = new Lane();
      this.lanes.set(endpointId, lane);
    }
    return lane;
  }

  private drop(endpointId: string): void {
    const lane = this.lanes.get(endpointId);
    if (lane !== undefined && lane.inFlight.size === 0 && !lane.looking) {
      lane.stopWaking();
      this.lanes.delete(endpointId);
      this.deps.backlog.forget(endpointId);
    }
  }

  private look(endpointId: string, lane: Lane): void {
    lane.scheduled = false;
    if (this.closing) return;
    lane.looking = true;
    const done: Promise<void> = this.pump(endpointId, lane)
      .catch((err) => {
        // A claim that gave way (another node's turn, rows being written) is looked at again shortly.
        if (err instanceof ClaimContended) return this.wakeAt(endpointId, lane, this.deps.clock.now() + CONTENDED_RETRY_MS);
        this.deps.report("delivery", err); // the next kick or poll tries again
      })
      .finally(() => {
        lane.looking = false;
        this.looks.delete(done);
        if (lane.again) {
          lane.again = false;
          this.kick(endpointId);
        }
      });
    this.looks.add(done);
  }

  private async pump(endpointId: string, lane: Lane): Promise<void> {
    const endpoint = this.deps.directory.byId(endpointId);
    if (endpoint === undefined) {
      lane.looking = false;
      return this.drop(endpointId);
    }
    // Completions of requests that ended until now are queued: the flush commits them before we read.
    lane.ended.clear();
    await this.deps.writer.flush(); // see our own queued completions and cancellations before choosing rows
    // Unreachable store: our writes are not in yet, so what we would read could be stale; the retry or poll looks again.
    if (this.closing || this.deps.writer.buffering) return;
    const now = this.deps.clock.now();
    // Paused endpoints send nothing: their rows wait (until they expire); enabling one kicks its lane.
    const wake = endpoint.enabled ? await this.startDue(endpoint, lane, now) : undefined;
    // Expiry only after the due requests started: a row whose last try is due now is in flight (its
    // channel busy) and is tried, even when this look comes late (a loaded machine, a long GC pause).
    if (now - lane.lastExpiry >= 1000 && !this.closing) await this.expire(endpoint, lane, now);
    this.wakeAt(endpointId, lane, wake);
  }

  /** Starts the requests that may go now; returns when to look again. */
  private async startDue(endpoint: WebhookEndpoint, lane: Lane, now: number): Promise<number | undefined> {
    const endpointId = endpoint.id;
    const { outbox, config } = this.deps;
    const free = config.concurrency - lane.inFlight.size;
    const perRequest = endpoint.batch ? config.batchMax : 1;
    let wake: number | undefined;
    const waitingForBatch = lane.batchAt !== undefined && now < lane.batchAt && lane.fresh < perRequest;
    if (waitingForBatch) wake = lane.batchAt;
    let full = false;
    let started = 0;
    if (free > 0 && !waitingForBatch) {
      lane.batchAt = undefined;
      lane.fresh = 0;
      // Enough rows to fill the free slots past the channels in flight; the second look below covers the rest.
      const limit = free * perRequest + lane.busy.size + 16;
      let rows = await this.source.due(endpointId, now, limit);
      let next = plan(rows, lane.blocked(), now, perRequest, free);
      if (next.requests.length === 0 && rows.length === limit && next.blocked.size > 0) {
        // The window was all blocked channels: look past them, so one channel in retry cannot stall the rest.
        rows = await this.source.due(endpointId, now, limit, { except: [...next.blocked] });
        const more = plan(rows, lane.blocked(), now, perRequest, free);
        next = { ...more, retryAt: min(next.retryAt, more.retryAt) };
      }
      wake = min(wake, next.retryAt);
      full = rows.length === limit;
      const first = next.requests[0];
      // Batching: wait until the oldest event has waited `batchMs`, unless a request is already full.
      const batchDue = first === undefined ? now : Math.min(...first.map((r) => r.ready_ms)) + config.batchMs;
      if (endpoint.batch && first !== undefined && first.length < perRequest && batchDue > now) {
        lane.batchAt = batchDue;
        wake = min(wake, batchDue);
      } else if (!this.closing) {
        // Re-checked here: a request may have ended while we read, its channel's rows not yet settled.
        const blocked = lane.blocked();
        for (const rows of next.requests) {
          if (rows.some((r) => blocked.has(r.channel))) continue;
          this.start(endpoint, lane, rows);
          started++;
        }
      }
    }
    // When the next held row is released (one index seek). Not needed when this look filled every free
    // slot from a full window: nothing could start at that time anyway, and the request that ends
    // first brings the next look. Draining a backlog, this saves a query per look (bench/webhooks,
    // delivery throughput). A window that was full but left a slot free (its older rows' channels busy)
    // must still ask: the lane has one timer, and a held row queued behind another would wait for the poll.
    if (!(full && started >= free)) wake = min(wake, await outbox.nextReady(endpointId, now));
    return wake;
  }

  private wakeAt(endpointId: string, lane: Lane, at: number | undefined): void {
    if (at === undefined || this.closing) return;
    lane.wakeAt(at, this.deps.clock.now(), () => this.kick(endpointId));
  }

  private start(endpoint: WebhookEndpoint, lane: Lane, rows: OutboxRow[]): void {
    lane.begin(rows);
    const request: Promise<void> = this.deliver(endpoint, rows).finally(() => {
      lane.end(rows, request);
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
  private async expire(endpoint: WebhookEndpoint, lane: Lane, now: number): Promise<void> {
    lane.lastExpiry = now;
    const cutoff = now - this.deps.config.retryPeriodMs - EXPIRY_GRACE_MS;
    const overdue = await this.source.due(endpoint.id, now, EXPIRY_BATCH, { before: cutoff });
    const blocked = lane.blocked();
    const rows = overdue.filter((r) => !blocked.has(r.channel));
    if (rows.length > 0 && !this.stopped) this.outcomes.expired(endpoint, rows, now, this.deps.config.retryPeriodMs);
  }
}

function min(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
