/**
 * The one publish path (ARCHITECTURE.md), used by the HTTP API and the dashboard: counts the messages
 * against the quota, builds the frame once per channel, stores it for cache channels, and fans out
 * through the broker (which excludes `socket_id` wherever that socket lives). Data is the string the
 * publisher sent, delivered byte-for-byte inside the frame (§1.2).
 */
import { channelType } from "../protocol/channels";
import { QuotaExceededError } from "../protocol/errors";
import { eventFrame } from "../protocol/frames";
import type { AppState } from "./app-state";
import type { EngineContext } from "./context";
import { all, then, type MaybePromise } from "./maybe";
import { topicOf } from "./ports";

export interface PublishRequest {
  channels: string[];
  event: string;
  data: string;
  /** This socket does not receive the event (§5.3). */
  excludeSocketId?: string;
}

/** Answers with the number of sockets the event was addressed to (for metrics and the debug log). */
export function publish(ctx: EngineContext, app: AppState, req: PublishRequest): MaybePromise<number> {
  // An excluded socket on this node is not counted as a recipient; on another node it is excluded there.
  const excluded = req.excludeSocketId === undefined ? undefined : app.sessions.get(req.excludeSocketId);
  return then(all(req.channels.map((channel) => ctx.registry.count(app.id, channel))), (counts) => {
    // Counted up front, per delivered message as Pusher counts them, so a refused publish sends nothing.
    let deliveries = 0;
    for (let i = 0; i < counts.length; i++) {
      const channel = req.channels[i]!;
      counts[i]! -= excluded?.channels.has(channel) ? 1 : 0;
      deliveries += counts[i]!;
      // A cache write is stored even with nobody subscribed, so it counts as a message too.
      if (channelType(channel).cache) deliveries++;
    }
    return then(ctx.quotas.admitMessages(app.app, deliveries), (admitted) => {
      if (!admitted) throw new QuotaExceededError();
      let recipients = 0;
      const stored: MaybePromise<void>[] = [];
      for (let i = 0; i < counts.length; i++) {
        const channel = req.channels[i]!;
        const frame = eventFrame(req.event, channel, req.data);
        if (channelType(channel).cache) {
          // Cached even with nobody subscribed and regardless of socket_id exclusion (§2.8 [REC]).
          const expiresAt = ctx.clock.now() + ctx.config.cacheTtlMs;
          stored.push(ctx.cache.put(app.id, channel, { event: req.event, data: req.data, expiresAt }));
        }
        ctx.broker.publish(topicOf(app.id, channel), frame, req.excludeSocketId);
        recipients += counts[i]!;
        ctx.bus.emit("api_message", { appId: app.id, channel, event: req.event, data: req.data, recipients: counts[i]! });
      }
      return then(all(stored), () => recipients);
    });
  });
}
