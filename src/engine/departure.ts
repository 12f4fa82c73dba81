/**
 * A node of the cluster died (its heartbeat expired) and one survivor took its sockets out of every
 * count (the registry tells what that changed). The survivor sends what the dead node could not:
 * member_removed to the channel's remaining subscribers, the vacated and member_removed lifecycle
 * events (→ webhooks, once), new subscription counts, and watchlist "offline" for users whose last
 * connection was there.
 */
import { channelFrame } from "../protocol/frames";
import type { AppDirectory } from "./app";
import type { EngineContext } from "./context";
import { topicOf } from "./ports";

export interface NodeDeparture {
  channels: { appId: string; channel: string; count: number; vacated: boolean }[];
  members: { appId: string; channel: string; userId: string }[];
  users: { appId: string; userId: string }[];
}

export function applyDeparture(ctx: EngineContext, apps: AppDirectory, departure: NodeDeparture): void {
  for (const { appId, channel, userId } of departure.members) {
    ctx.broker.publish(topicOf(appId, channel), channelFrame("pusher_internal:member_removed", channel, { user_id: userId }));
    ctx.bus.emit("member_removed", { appId, channel, userId });
  }
  for (const { appId, channel, count, vacated } of departure.channels) {
    if (vacated) ctx.bus.emit("vacated", { appId, channel });
    const app = apps.byId(appId);
    if (app !== undefined) ctx.counts.changed({ id: appId, app }, channel, count);
  }
  for (const { appId, userId } of departure.users) {
    if (apps.byId(appId)?.watchlistEvents) ctx.control.publish({ kind: "watchlist", appId, userId, status: "offline" });
  }
}
