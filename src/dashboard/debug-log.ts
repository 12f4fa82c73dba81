/**
 * The debug console's memory: a bounded ring of recent lifecycle events per app, fed by the bus from
 * server start (ARCHITECTURE.md "One lifecycle bus"), plus live listeners for the SSE streams. The
 * producers never know the console exists; the cost per event is a slot in the ring, reused once
 * the ring is full (the event is described when the ring is read), and, with a console open, one
 * callback. Event data is cut to a preview so a ring stays small.
 */
import type { LifecycleBus, LifecycleEvents, LifecycleName, WebhookAttempt } from "../engine/bus";

export interface DebugEntry {
  /** Increasing across all apps; the SSE event id, so a reconnecting console resumes without repeats. */
  id: number;
  /** Milliseconds since the epoch. */
  at: number;
  type: string;
  channel?: string;
  event?: string;
  socketId?: string;
  userId?: string;
  data?: string;
  /** A short human line: close code, recipients, error message, webhook outcome. */
  info?: string;
}

const DATA_PREVIEW = 2000;

const FIELD_LIMIT = 300;

function clip(text: string): string {
  return text.length > FIELD_LIMIT ? `${text.slice(0, FIELD_LIMIT)}… (${text.length} characters)` : text;
}

function preview(data: string): string {
  return data.length > DATA_PREVIEW ? `${data.slice(0, DATA_PREVIEW)}… (${data.length} characters)` : data;
}

type Describe<K extends LifecycleName> = (e: LifecycleEvents[K]) => Omit<DebugEntry, "id" | "at" | "type">;

/** What the console records for each bus event; cache_miss and subscription_count are too chatty. */
const DESCRIBE: { [K in LifecycleName]?: Describe<K> } = {
  connected: (e) => ({ socketId: e.socketId }),
  disconnected: (e) => ({ socketId: e.socketId, info: e.code === undefined ? undefined : `close code ${e.code}` }),
  signed_in: (e) => ({ socketId: e.socketId, userId: e.userId }),
  subscribed: (e) => ({ socketId: e.socketId, channel: e.channel }),
  unsubscribed: (e) => ({ socketId: e.socketId, channel: e.channel }),
  occupied: (e) => ({ channel: e.channel }),
  vacated: (e) => ({ channel: e.channel }),
  member_added: (e) => ({ channel: e.channel, userId: e.userId }),
  member_removed: (e) => ({ channel: e.channel, userId: e.userId }),
  api_message: (e) => ({ channel: e.channel, event: e.event, data: preview(e.data), info: `${e.recipients} recipient${e.recipients === 1 ? "" : "s"}` }),
  client_event: (e) => ({ channel: e.channel, event: e.event, data: preview(e.data), socketId: e.socketId, userId: e.userId }),
  error: (e) => ({ socketId: e.socketId, info: e.code === null ? e.message : `${e.code}: ${e.message}` }),
  webhook_sent: (e) => ({ info: `${webhookLine(e)}: HTTP ${e.status}${e.latencyMs === null ? "" : ` in ${e.latencyMs} ms`}` }),
  webhook_failed: (e) => ({
    info: `${webhookLine(e)}: ${e.status === null ? "" : `HTTP ${e.status}, `}${e.error}${e.willRetry ? " (will retry)" : " (given up)"}`,
  }),
};

function webhookLine(e: WebhookAttempt): string {
  const what = `${e.eventCount} event${e.eventCount === 1 ? "" : "s"} (${e.eventTypes.join(", ")})`;
  return `${what} to ${e.url}, attempt ${e.attempt}`;
}

/** The entry of a slot: as recorded, or described now from its bus event. */
function described(slot: Slot): DebugEntry {
  if (!(slot instanceof RawSlot)) return slot;
  const describe = DESCRIBE[slot.type] as Describe<LifecycleName>;
  return entryOf(slot.id, slot.at, slot.type, describe(slot.raw as never));
}

function longData(e: object): boolean {
  const data = (e as { data?: unknown }).data;
  return typeof data === "string" && data.length > DATA_PREVIEW;
}

/**
 * Every text field is bounded, not only data: names and error messages can echo client input, and a
 * ring of 300 entries must stay small whatever a client sends. Field by field rather than over
 * Object.entries.
 */
function entryOf(id: number, at: number, type: string, fields: DebugFields): DebugEntry {
  const entry: DebugEntry = { id, at, type };
  if (fields.channel !== undefined) entry.channel = clip(fields.channel);
  if (fields.event !== undefined) entry.event = clip(fields.event);
  if (fields.socketId !== undefined) entry.socketId = clip(fields.socketId);
  if (fields.userId !== undefined) entry.userId = clip(fields.userId);
  if (fields.data !== undefined) entry.data = fields.data;
  if (fields.info !== undefined) entry.info = clip(fields.info);
  return entry;
}

export type DebugListener = (entry: DebugEntry) => void;

export type DebugFields = Omit<DebugEntry, "id" | "at" | "type">;

/**
 * Cluster mode: a console open on one node shows the events of every node. A node sends what it
 * records for an app only while some node's console watches that app (nothing otherwise).
 */
export interface DebugRelay {
  /** Whether a console anywhere in the cluster watches the app (answered from a local cache). */
  watched(appId: string): boolean;
  /** Sends an entry recorded on this node to the watching nodes. */
  publish(appId: string, type: string, fields: DebugFields): void;
  /** This node's console watches the app until the returned function is called. */
  watch(appId: string): () => void;
  /** Entries recorded on other nodes, for apps this node watches. */
  onEntry(handler: (appId: string, type: string, fields: DebugFields) => void): void;
}

/**
 * A bus event not yet described. Describing (the fields, the clipped strings, the info line) waits
 * until someone reads the ring: every connect, subscribe and published message is recorded, and
 * nearly all of them leave the ring unread. Once a ring is full its oldest slot is overwritten in
 * place, so recording makes no object of its own (bench/README.md, "Server CPU per reconnect").
 * Safe because a slot never leaves this module: readers get entries described from it.
 */
class RawSlot {
  constructor(
    public id: number,
    public at: number,
    public type: LifecycleName,
    public raw: LifecycleEvents[LifecycleName],
  ) {}
}

/** A ring slot: an entry as recorded, or a bus event not yet described. */
type Slot = DebugEntry | RawSlot;

export class DebugLog {
  private readonly rings = new Map<string, { items: Slot[]; next: number }>();
  private readonly listeners = new Map<string, Set<DebugListener>>();
  private seq = 0;

  private readonly unwatch = new Map<string, () => void>();

  constructor(
    private readonly capacity = 300,
    private readonly now: () => number = Date.now,
    private readonly relay?: DebugRelay,
  ) {
    relay?.onEntry((appId, type, fields) => this.record(appId, type, fields));
  }

  /** Subscribes to the bus for the server's lifetime; call once at start. */
  start(bus: LifecycleBus): void {
    // A deleted app's ring would otherwise stay in memory for the server's lifetime.
    bus.on("app_removed", (e) => this.rings.delete(e.appId));
    for (const name of Object.keys(DESCRIBE) as LifecycleName[]) {
      const describe = DESCRIBE[name] as Describe<typeof name>;
      // Only messages carry data; connects and subscriptions skip the check (a read of a property
      // their events lack, on every one of them).
      const carriesData = name === "api_message" || name === "client_event";
      bus.on(name, (e) => {
        const watched = this.relay?.watched(e.appId) ?? false;
        // Described now only when someone looks now, or when the event's data is long enough to be cut
        // (a ring must not hold whole messages): otherwise the event itself waits in the ring.
        if (watched || this.listeners.has(e.appId) || (carriesData && longData(e))) {
          const fields = describe(e as never);
          this.record(e.appId, name, fields);
          if (watched) this.relay!.publish(e.appId, name, fields);
        } else {
          this.putRaw(e.appId, name, e);
        }
      });
    }
  }

  record(appId: string, type: string, fields: DebugFields): void {
    const entry = entryOf(++this.seq, this.now(), type, fields);
    this.put(appId, entry);
    const listeners = this.listeners.get(appId);
    if (listeners !== undefined) for (const listener of listeners) listener(entry);
  }

  private ring(appId: string): { items: Slot[]; next: number } {
    let ring = this.rings.get(appId);
    if (ring === undefined) {
      ring = { items: [], next: 0 };
      this.rings.set(appId, ring);
    }
    return ring;
  }

  private put(appId: string, slot: Slot): void {
    const ring = this.ring(appId);
    if (ring.items.length < this.capacity) ring.items.push(slot);
    else {
      ring.items[ring.next] = slot;
      ring.next = (ring.next + 1) % this.capacity;
    }
  }

  /** Like put, for a bus event kept as it is: a full ring's oldest raw slot is reused in place. */
  private putRaw(appId: string, type: LifecycleName, raw: LifecycleEvents[LifecycleName]): void {
    const ring = this.ring(appId);
    const oldest = ring.items.length < this.capacity ? undefined : ring.items[ring.next];
    if (!(oldest instanceof RawSlot)) return this.put(appId, new RawSlot(++this.seq, this.now(), type, raw));
    oldest.id = ++this.seq;
    oldest.at = this.now();
    oldest.type = type;
    oldest.raw = raw;
    ring.next = (ring.next + 1) % this.capacity;
  }

  /** The app's recent entries, oldest first; only those after `afterId` when given. */
  recent(appId: string, afterId = 0): DebugEntry[] {
    const ring = this.rings.get(appId);
    if (ring === undefined) return [];
    const ordered = [...ring.items.slice(ring.next), ...ring.items.slice(0, ring.next)].filter((e) => e.id > afterId);
    return ordered.map(described);
  }

  listen(appId: string, listener: DebugListener): () => void {
    let set = this.listeners.get(appId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(appId, set);
      if (this.relay !== undefined) this.unwatch.set(appId, this.relay.watch(appId));
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size > 0) return;
      this.listeners.delete(appId);
      this.unwatch.get(appId)?.();
      this.unwatch.delete(appId);
    };
  }
}
