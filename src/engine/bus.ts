/**
 * The lifecycle bus (ARCHITECTURE.md "One lifecycle bus"). Producers emit; webhooks, metrics, usage and
 * the debug console subscribe. Producers never call those consumers directly. Emitting with no
 * listener costs one map lookup, so the hot path stays cheap.
 */
export interface LifecycleEvents {
  connected: { appId: string; socketId: string };
  disconnected: { appId: string; socketId: string; code?: number };
  subscribed: { appId: string; socketId: string; channel: string };
  unsubscribed: { appId: string; socketId: string; channel: string };
  occupied: { appId: string; channel: string };
  vacated: { appId: string; channel: string };
  member_added: { appId: string; channel: string; userId: string };
  member_removed: { appId: string; channel: string; userId: string };
  api_message: { appId: string; channel: string; event: string; data: string; recipients: number };
  /** `recipients`: subscribers the event was sent to, the sender excluded (usage and metrics count them). */
  client_event: { appId: string; channel: string; event: string; data: string; socketId: string; userId?: string; recipients: number };
  cache_miss: { appId: string; channel: string };
  subscription_count: { appId: string; channel: string; count: number };
  signed_in: { appId: string; socketId: string; userId: string };
  /** The app no longer exists: consumers drop what they keep for it. */
  app_removed: { appId: string };
  error: { appId: string; socketId?: string; code: number | null; message: string };
  /** A webhook request got a 2xx (src/webhooks). `attempt` is 1 for the first try. */
  webhook_sent: WebhookAttempt;
  /** A webhook request failed; `willRetry` false means its events are given up (attempt 0: expired untried). */
  webhook_failed: WebhookAttempt & { error: string; willRetry: boolean };
}

export interface WebhookAttempt {
  appId: string;
  endpointId: string;
  url: string;
  eventTypes: string[];
  eventCount: number;
  attempt: number;
  status: number | null;
  latencyMs: number | null;
}

export type LifecycleName = keyof LifecycleEvents;
type Listener<K extends LifecycleName> = (event: LifecycleEvents[K]) => void;

export class LifecycleBus {
  private readonly listeners = new Map<LifecycleName, Listener<any>[]>();

  on<K extends LifecycleName>(name: K, listener: Listener<K>): () => void {
    const list = this.listeners.get(name) ?? [];
    list.push(listener);
    this.listeners.set(name, list);
    return () => {
      const index = list.indexOf(listener);
      if (index >= 0) list.splice(index, 1);
    };
  }

  has(name: LifecycleName): boolean {
    return (this.listeners.get(name)?.length ?? 0) > 0;
  }

  emit<K extends LifecycleName>(name: K, event: LifecycleEvents[K]): void {
    const list = this.listeners.get(name);
    if (list === undefined) return;
    for (const listener of list) {
      try {
        listener(event);
      } catch (err) {
        // A consumer's bug must not break the protocol path that emitted the event.
        console.error(`mawjly: lifecycle listener for '${name}' failed:`, err);
      }
    }
  }
}
