/**
 * The endpoints as the recorder and dispatcher see them: all of them by id, and the enabled ones by
 * app and event type, so routing an event on the WebSocket path is two map lookups. Reloaded whole
 * after any change (a handful of rows per app); the owner reloads on its own changes at once and on
 * another process's changes (the CLI, another node) at the next poll. Reads are synchronous (the
 * WebSocket path routes with them); only a reload waits for the store.
 */
import type { EndpointStore } from "./endpoint-store";
import type { WebhookEventType } from "./event-types";
import type { WebhookEndpoint } from "./schema";

export class EndpointDirectory {
  private byIdMap = new Map<string, WebhookEndpoint>();
  private routes = new Map<string, Map<WebhookEventType, WebhookEndpoint[]>>();
  private started = 0;
  private applied = 0;

  constructor(private readonly store: EndpointStore) {}

  /** Replaces the whole view once the store answered (a failed read keeps the previous one). */
  async reload(): Promise<void> {
    const generation = ++this.started;
    const byId = new Map<string, WebhookEndpoint>();
    const routes = new Map<string, Map<WebhookEventType, WebhookEndpoint[]>>();
    for (const endpoint of await this.store.all()) {
      byId.set(endpoint.id, endpoint);
      if (!endpoint.enabled) continue;
      let types = routes.get(endpoint.appId);
      if (types === undefined) routes.set(endpoint.appId, (types = new Map()));
      for (const type of endpoint.events) {
        const list = types.get(type) ?? [];
        list.push(endpoint);
        types.set(type, list);
      }
    }
    if (generation < this.applied) return; // a later reload answered first: it is newer
    this.applied = generation;
    this.byIdMap = byId;
    this.routes = routes;
  }

  /** True when the app has at least one enabled endpoint (only then do removals need holds). */
  hasApp(appId: string): boolean {
    return this.routes.has(appId);
  }

  /** Enabled endpoints of an app that want `type`. */
  route(appId: string, type: WebhookEventType): readonly WebhookEndpoint[] {
    return this.routes.get(appId)?.get(type) ?? [];
  }

  byId(id: string): WebhookEndpoint | undefined {
    return this.byIdMap.get(id);
  }

  all(): IterableIterator<WebhookEndpoint> {
    return this.byIdMap.values();
  }
}
