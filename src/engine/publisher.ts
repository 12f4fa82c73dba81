/**
 * The one publish path (ARCHITECTURE.md), used by the HTTP API and later the dashboard: builds the
 * frame once per channel, stores it for cache channels, and fans out through the broker. Data is the
 * string the publisher sent, delivered byte-for-byte inside the frame (§1.2).
 */
import { channelType } from "../protocol/channels";
import { QuotaExceededError } from "../protocol/errors";
import { eventFrame } from "../protocol/frames";
import type { AppState } from "./app-state";
import type { Engine } from "./engine";
import { topicOf } from "./ports";

export interface PublishRequest {
  channels: string[];
  event: string;
  data: string;
  /** This socket does not receive the event (§5.3). */
  excludeSocketId?: string;
}

/** Returns the number of local sockets the event was addressed to (for metrics and the debug log). */
export function publish(engine: Engine, app: AppState, req: PublishRequest): number {
  const excluded = req.excludeSocketId === undefined ? undefined : app.sessions.get(req.excludeSocketId);
  // Counted up front, per delivered message as Pusher counts them, so a refused publish sends nothing.
  let deliveries = 0;
  for (const channel of req.channels) {
    deliveries += app.subscriptionCount(channel) - (excluded?.channels.has(channel) ? 1 : 0);
    // A cache write is stored even with nobody subscribed, so it counts as a message too.
    if (channelType(channel).cache) deliveries++;
  }
  if (!engine.quotas.admitMessages(app.app, deliveries)) throw new QuotaExceededError();
  let recipients = 0;
  for (const channel of req.channels) {
    const frame = eventFrame(req.event, channel, req.data);
    if (channelType(channel).cache) {
      // Cached even with nobody subscribed and regardless of socket_id exclusion (§2.8 [REC]).
      app.remember(channel, { event: req.event, data: req.data, expiresAt: engine.clock.now() + engine.config.cacheTtlMs });
      app.missReported.delete(channel);
    }
    const topic = topicOf(app.id, channel);
    if (excluded !== undefined) excluded.conn.publishExceptSelf(topic, frame);
    else engine.broker.publish(topic, frame);
    const count = app.subscriptionCount(channel) - (excluded?.channels.has(channel) ? 1 : 0);
    recipients += count;
    engine.bus.emit("api_message", { appId: app.id, channel, event: req.event, data: req.data, recipients: count });
  }
  return recipients;
}
