/**
 * pusher_internal:subscription_count (§2.7): sent to every subscriber of a non-presence channel when
 * its count changes, if the app enables it; for channels over 100 subscribers at most every 5 s.
 * The count is the number of subscribed sockets in the cluster (the registry's).
 */
import { channelType } from "../protocol/channels";
import { channelFrame } from "../protocol/frames";
import type { App } from "./app";

/** The app a count belongs to (an AppState, or an app without sockets on this node). */
type AppRef = { id: string; app: App };
import type { LifecycleBus } from "./bus";
import { then } from "./maybe";
import { topicOf, type Broker, type ChannelRegistry, type Clock } from "./ports";

const THROTTLE_ABOVE = 100;
const THROTTLE_MS = 5000;

export class SubscriptionCounts {
  private readonly lastSent = new Map<string, number>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly broker: Broker,
    private readonly registry: ChannelRegistry,
    private readonly bus: LifecycleBus,
    private readonly clock: Clock,
  ) {}

  /** The channel now has `count` subscribers. */
  changed(app: AppRef, name: string, count: number): void {
    if (!app.app.subscriptionCount || channelType(name).kind === "presence") return;
    const key = topicOf(app.id, name);
    if (this.pending.has(key)) return; // a throttled send is already due and will read the latest count
    const now = this.clock.now();
    const last = this.lastSent.get(key) ?? 0;
    if (count <= THROTTLE_ABOVE || now - last >= THROTTLE_MS) {
      this.send(app, name, key, now, count);
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(key);
      void then(this.registry.count(app.id, name), (latest) => this.send(app, name, key, this.clock.now(), latest));
    }, THROTTLE_MS - (now - last));
    timer.unref?.();
    this.pending.set(key, timer);
  }

  private send(app: AppRef, name: string, key: string, now: number, count: number): void {
    if (count === 0) this.lastSent.delete(key);
    else this.lastSent.set(key, now);
    this.broker.publish(key, channelFrame("pusher_internal:subscription_count", name, { subscription_count: count }));
    this.bus.emit("subscription_count", { appId: app.id, channel: name, count });
  }

  stop(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
