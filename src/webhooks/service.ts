/**
 * Webhook endpoints, the delivery log, "send test" and "redeliver": the one place the CLI, the
 * management API and the dashboard go through (STYLE.md principle 6). Bad input is a ServiceError
 * with one clear line; nothing here knows about HTTP frameworks or the CLI. Every method answers a
 * promise (the store port is asynchronous); StoreUnavailable propagates to the edges.
 */
import { randomBytes } from "node:crypto";
import type { AppDirectory } from "../engine/app";
import type { LifecycleBus } from "../engine/bus";
import { ServiceError } from "../errors";
import type { EndpointStore } from "./endpoint-store";
import type { DeliveryLogStore } from "./log-store";
import type { OutboxStore } from "./outbox-store";
import { testEvent, webhookBody, webhookHeaders } from "./payloads";
import { DEFAULT_EVENT_TYPES, EVENT_TYPES, type WebhookEventType } from "./event-types";
import type { DeliveryLogEntry, EndpointBacklog, EndpointInput, EndpointPatch, WebhookEndpoint } from "./schema";
import { postWebhook } from "./sender";
import { guardTargets, refusedUrl, type AppSender, type PrivateRule } from "./targets";

/** Endpoints per app: each costs a row per event in the outbox, so the fan-out is bounded. */
export const MAX_ENDPOINTS_PER_APP = 10;

export interface WebhookServiceDeps {
  store: EndpointStore;
  log: DeliveryLogStore;
  outbox: OutboxStore;
  apps: AppDirectory;
  timeoutMs: number;
  /** Test sends go through it; guarded by `privateRule` (targets.ts). Default: any target. */
  send?: AppSender;
  /** Which apps may not target private addresses; checked again at add and update. Default: all may. */
  privateRule?: PrivateRule;
  now?: () => number;
  bus?: LifecycleBus;
  /** Live backlog per endpoint, when a dispatcher runs in this process. */
  backlog?: () => EndpointBacklog[];
  /** Whether an endpoint's queue can take `rows` more (the per-endpoint outbox bound). */
  hasRoom?: (endpointId: string, rows: number) => boolean;
}

const MAX_URL = 2048;
const MAX_LOG = 1000;

export class WebhookService {
  /** Called after every committed change of an endpoint, with its id; awaited (the runtime reloads its routes). */
  onChange: (endpointId: string) => void | Promise<void> = () => {};
  /** Called after redeliver queued rows for an endpoint. */
  onQueued: (endpointId: string, rows: number) => void = () => {};

  constructor(private readonly deps: WebhookServiceDeps) {}

  async list(appIdOrKey: string): Promise<WebhookEndpoint[]> {
    return this.deps.store.forApp(this.app(appIdOrKey));
  }

  get(id: string): Promise<WebhookEndpoint> {
    return this.endpoint(id, this.deps.store);
  }

  /** The endpoint, read through `store` (inside a transaction: the transaction's). */
  private async endpoint(id: string, store: EndpointStore): Promise<WebhookEndpoint> {
    const endpoint = await store.byId(id);
    if (endpoint === undefined) throw new ServiceError("not_found", `No webhook endpoint with id '${id}'`);
    return endpoint;
  }

  async add(appIdOrKey: string, input: EndpointInput): Promise<WebhookEndpoint> {
    await checkShape("EndpointInput", input);
    const appId = this.app(appIdOrKey);
    const stamp = new Date(this.now()).toISOString();
    const endpoint: WebhookEndpoint = {
      id: `wh_${randomBytes(6).toString("hex")}`,
      appId,
      url: checkUrl(input.url),
      events: eventTypes(input.events),
      enabled: input.enabled ?? true,
      batch: input.batch ?? false,
      createdAt: stamp,
      updatedAt: stamp,
    };
    this.checkTarget(appId, endpoint.url); // after the input is known valid: bad input gets its own message
    await this.deps.store.transaction(async (tx) => {
      const store = this.deps.store.on(tx);
      await store.lockApp(appId);
      const existing = await store.forApp(appId);
      if (existing.length >= MAX_ENDPOINTS_PER_APP) {
        throw new ServiceError("conflict", `App ${appId} already has ${MAX_ENDPOINTS_PER_APP} webhook endpoints, the most allowed`);
      }
      if (existing.some((e) => e.url === endpoint.url)) {
        throw new ServiceError("conflict", `App ${appId} already has a webhook endpoint for ${endpoint.url}; change its events instead`);
      }
      await store.insert(endpoint);
    });
    await this.onChange(endpoint.id);
    return endpoint;
  }

  async update(id: string, patch: EndpointPatch): Promise<WebhookEndpoint> {
    await checkShape("EndpointPatch", patch);
    if (Object.values(patch).every((v) => v === undefined)) throw invalid("Nothing to change: give url, events, enabled or batch");
    const next = await this.deps.store.transaction(async (tx) => {
      const store = this.deps.store.on(tx);
      const current = await this.endpoint(id, store);
      await store.lockApp(current.appId);
      const updated: WebhookEndpoint = {
        ...current,
        url: patch.url === undefined ? current.url : checkUrl(patch.url),
        events: patch.events === undefined ? current.events : eventTypes(patch.events),
        enabled: patch.enabled ?? current.enabled,
        batch: patch.batch ?? current.batch,
        updatedAt: new Date(this.now()).toISOString(),
      };
      if (updated.url !== current.url) this.checkTarget(current.appId, updated.url);
      if (updated.url !== current.url && (await store.forApp(current.appId)).some((e) => e.url === updated.url)) {
        throw new ServiceError("conflict", `App ${current.appId} already has a webhook endpoint for ${updated.url}`);
      }
      await store.update(updated);
      return updated;
    });
    await this.onChange(id);
    return next;
  }

  /** Removes the endpoint and its undelivered events; its log entries stay until they age out. */
  async remove(id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.deps.store.transaction(async (tx) => {
      const store = this.deps.store.on(tx);
      const current = await this.endpoint(id, store);
      await store.delete(id);
      return current;
    });
    await this.onChange(id);
    return endpoint;
  }

  /** Newest first. */
  async log(appIdOrKey: string, options: { limit?: number; endpointId?: string } = {}): Promise<DeliveryLogEntry[]> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LOG) throw invalid(`Invalid log limit ${limit}: use 1–${MAX_LOG}`);
    const appId = this.app(appIdOrKey);
    if (options.endpointId !== undefined && (await this.get(options.endpointId)).appId !== appId) {
      throw new ServiceError("not_found", `No webhook endpoint with id '${options.endpointId}' in app ${appId}`);
    }
    return this.deps.log.forApp(appId, { limit, endpointId: options.endpointId });
  }

  /**
   * Sends one signed sample event of `type` (default: the endpoint's first) right now, outside the
   * outbox and without retries, even to a disabled endpoint; the result is logged and returned.
   */
  async sendTest(id: string, type?: string): Promise<DeliveryLogEntry> {
    const endpoint = await this.get(id);
    const chosen = type === undefined ? endpoint.events[0]! : eventTypes([type])[0]!;
    const app = this.deps.apps.byId(endpoint.appId);
    if (app === undefined) throw new ServiceError("not_found", `No app with id '${endpoint.appId}'`);
    const event = testEvent(chosen);
    const body = webhookBody(this.now(), [event.json]);
    const send = this.deps.send ?? guardTargets(postWebhook, () => undefined);
    const result = await send(endpoint.appId, endpoint.url, webhookHeaders(app.key, app.secret, body), body, this.deps.timeoutMs);
    const entry = {
      appId: endpoint.appId,
      endpointId: endpoint.id,
      url: endpoint.url,
      eventTypes: [chosen],
      eventCount: 1,
      attempt: 1,
      status: result.status,
      latencyMs: result.latencyMs,
    };
    const logId = await this.deps.log.insert({
      ...entry,
      atMs: this.now(),
      kind: "test",
      outcome: result.ok ? "delivered" : "failed",
      error: result.error,
      events: `[${event.json}]`,
    });
    if (result.ok) this.deps.bus?.emit("webhook_sent", entry);
    else this.deps.bus?.emit("webhook_failed", { ...entry, error: result.error ?? "failed", willRetry: false });
    return (await this.deps.log.byId(logId))!.entry;
  }

  /** Queues the events of a logged delivery again, as new events at the end of their endpoint's queue. */
  async redeliver(logId: number): Promise<{ endpointId: string; queued: number }> {
    const found = Number.isInteger(logId) ? await this.deps.log.byId(logId) : undefined;
    if (found === undefined) throw new ServiceError("not_found", `No webhook delivery with id '${logId}'`);
    if (found.entry.kind === "test") throw invalid(`Delivery ${logId} was a test send; use send test again instead`);
    const endpointId = found.entry.endpointId;
    if (this.deps.hasRoom !== undefined && !this.deps.hasRoom(endpointId, found.events.length)) {
      throw new ServiceError("forbidden", `Webhook endpoint '${endpointId}' has too many undelivered events; redeliver after they are delivered`);
    }
    const now = this.now();
    const gone = () => new ServiceError("not_found", `Delivery ${logId} went to webhook endpoint '${endpointId}', which no longer exists`);
    await this.deps.store.transaction(async (tx) => {
      if ((await this.deps.store.on(tx).byId(endpointId)) === undefined) throw gone();
      const seqs = await this.deps.outbox.on(tx).insertMany(
        found.events.map((event) => ({
          endpointId,
          appId: found.entry.appId,
          channel: String(event.channel),
          type: event.name as WebhookEventType,
          event: JSON.stringify(event),
          readyMs: now,
          holdKey: null,
        })),
      );
      // Removed by another connection since byId (PostgreSQL reads each statement afresh): the insert
      // skipped every row, and nothing was queued.
      if (seqs.includes(undefined)) throw gone();
    });
    this.onQueued(endpointId, found.events.length);
    return { endpointId, queued: found.events.length };
  }

  /** Undelivered events per endpoint (live counts when a dispatcher runs in this process). */
  async backlog(appIdOrKey?: string): Promise<EndpointBacklog[]> {
    const all = this.deps.backlog?.() ?? (await this.storedBacklog());
    if (appIdOrKey === undefined) return all;
    const appId = this.app(appIdOrKey);
    return all.filter((b) => b.appId === appId);
  }

  /** Without a dispatcher in this process (the CLI): the outbox's counts. */
  private async storedBacklog(): Promise<EndpointBacklog[]> {
    const out: EndpointBacklog[] = [];
    for (const [endpointId, pending] of await this.deps.outbox.pendingCounts()) {
      out.push({ endpointId, appId: (await this.deps.store.byId(endpointId))?.appId ?? "", pending, inFlight: 0, dropped: 0 });
    }
    return out;
  }

  /** The private-target rule, at add and update (requests are checked again after resolving the name). */
  private checkTarget(appId: string, url: string): void {
    const refused = this.deps.privateRule === undefined ? undefined : refusedUrl(url, appId, this.deps.privateRule);
    if (refused !== undefined) throw new ServiceError("forbidden", `Webhook URL ${refused}`);
  }

  private app(idOrKey: string): string {
    const app = this.deps.apps.byId(idOrKey) ?? this.deps.apps.byKey(idOrKey);
    if (app === undefined) throw new ServiceError("not_found", `No app with id or key '${idOrKey}'`);
    return app.id;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

function invalid(message: string): ServiceError {
  return new ServiceError("invalid", message);
}

export function checkUrl(url: string): string {
  if (url.length > MAX_URL) throw invalid(`Invalid webhook URL: use at most ${MAX_URL} characters`);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.hostname === "") {
    throw invalid(`Invalid webhook URL '${url}': use an absolute http:// or https:// URL`);
  }
  // The parser's form: control characters are percent-encoded, so a stored URL prints safely.
  return parsed.href === `${url}/` ? url : parsed.href;
}

/** Validates and de-duplicates event types, keeping §6.3's order; undefined means the defaults. */
export function eventTypes(input: readonly string[] | undefined): WebhookEventType[] {
  if (input === undefined) return [...DEFAULT_EVENT_TYPES];
  for (const type of input) {
    if (!(EVENT_TYPES as readonly string[]).includes(type)) {
      throw invalid(`Unknown webhook event type '${type}': use ${EVENT_TYPES.join(", ")}`);
    }
  }
  if (input.length === 0) throw invalid(`Choose at least one webhook event type: ${EVENT_TYPES.join(", ")}`);
  return EVENT_TYPES.filter((t) => input.includes(t));
}

/**
 * The input's first schema violation as one line. The schemas and TypeBox load on the first write,
 * not at start: a node that serves only sockets and triggers never needs them (src/engine/app.ts).
 */
async function checkShape(schema: "EndpointInput" | "EndpointPatch", value: unknown): Promise<void> {
  const [schemas, { Value }] = await Promise.all([import("./schema"), import("@sinclair/typebox/value")]);
  const first = Value.Errors(schemas[schema], value).First();
  if (first === undefined) return;
  const path = first.path.replace(/^\//, "").replaceAll("/", ".") || "value";
  throw invalid(`Invalid webhook settings: ${path}: ${first.message}`);
}
