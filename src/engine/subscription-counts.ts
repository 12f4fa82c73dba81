/**
 * pusher_internal:subscription_count (§2.7): sent to every subscriber of a non-presence channel when
 * its count changes, if the app enables it; for channels over 100 subscribers at most every 5 s.
 * The count is the number of subscribed sockets.
 */
import { channelFrame } from "../protocol/frames";
import type { AppState } from "./app-state";
import type { LifecycleBus } from "./bus";
import type { ChannelState } from "./channel-state";
import { topicOf, type Broker, type Clock } from "./ports";

const THROTTLE_ABOVE = 100;
const THROTTLE_MS = 5000;

export class SubscriptionCounts {
  private readonly lastSent = new Map<string, number>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly broker: Broker,
    private readonly bus: LifecycleBus,
    private readonly clock: Clock,
  ) {}

  changed(app: AppState, channel: ChannelState): void {
    if (!app.app.subscriptionCount || channel.members !== undefined) return;
    const key = topicOf(app.id, channel.name);
    if (this.pending.has(key)) return; // a throttled send is already due and will read the latest count
    const now = this.clock.now();
    const last = this.lastSent.get(key) ?? 0;
    if (channel.subscriberCount <= THROTTLE_ABOVE || now - last >= THROTTLE_MS) {
      this.send(app, channel.name, key, now);
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.send(app, channel.name, key, this.clock.now());
    }, THROTTLE_MS - (now - last));
    timer.unref?.();
    this.pending.set(key, timer);
  }

  private send(app: AppState, name: string, key: string, now: number): void {
    const count = app.subscriptionCount(name);
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
