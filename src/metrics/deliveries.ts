/**
 * How many sockets one client event reached. The client_event bus event does not carry it (unlike
 * api_message's `recipients`), so it is looked up while the event is emitted: the bus calls listeners
 * synchronously right after the engine published, so the channel's subscribers are the ones that got
 * it, minus the sender, which is never echoed to (PUSHER-PROTOCOL.md §4). That is also what the
 * message quota counts. Without a lookup each client event counts as one delivery: a lower bound.
 */
export type ChannelSubscribers = (appId: string, channel: string) => number;

export function clientEventDeliveries(lookup: ChannelSubscribers | undefined, appId: string, channel: string): number {
  if (lookup === undefined) return 1;
  return Math.max(0, lookup(appId, channel) - 1);
}
