/**
 * Usage series and today's totals as the management API returns them. The TypeBox schemas are
 * validation, TypeScript type and OpenAPI at once (STYLE.md principle 5).
 */
import { Type, type Static } from "@sinclair/typebox";

export const UsagePeriod = Type.Union([Type.Literal("hour"), Type.Literal("day"), Type.Literal("month")], {
  description: "hour: 60 one-minute buckets; day: 24 one-hour buckets; month: 30 one-day buckets (UTC)",
});
export type UsagePeriod = Static<typeof UsagePeriod>;

export const UsagePoint = Type.Object({
  t: Type.Integer({ description: "Start of the bucket, Unix seconds" }),
  connectionsPeak: Type.Integer({ minimum: 0, description: "Most connections open at the same time in the bucket, counted at every connect" }),
  connectionsAvg: Type.Number({ minimum: 0, description: "Average connections over the bucket's elapsed minutes" }),
  apiMessages: Type.Integer({ minimum: 0, description: "Events published through the HTTP API, one per channel" }),
  clientMessages: Type.Integer({ minimum: 0, description: "Client events sent by sockets" }),
  delivered: Type.Integer({ minimum: 0, description: "Messages delivered to sockets" }),
  partial: Type.Boolean({ description: "True for the current bucket: it is still filling, so its counts are not comparable yet" }),
});
export type UsagePoint = Static<typeof UsagePoint>;

export const UsageSeries = Type.Object({
  period: UsagePeriod,
  bucketSeconds: Type.Integer({ description: "60, 3600 or 86400" }),
  points: Type.Array(UsagePoint, { description: "Oldest first; the last bucket is the current one (partial: true)" }),
});
export type UsageSeries = Static<typeof UsageSeries>;

/**
 * Counted the way Pusher counts messages: every message published (an HTTP API event once per channel,
 * a client event once) plus every delivery of one to a connection. The daily plan quota counts
 * deliveries only (src/accounts/quotas.ts), so `delivered` is the figure to compare with it.
 */
export const UsageToday = Type.Object({
  messages: Type.Integer({ minimum: 0, description: "Messages since 00:00 UTC as Pusher counts them: published + delivered" }),
  published: Type.Integer({ minimum: 0, description: "Messages published since 00:00 UTC: HTTP API events (one per channel) and client events" }),
  delivered: Type.Integer({ minimum: 0, description: "Messages delivered to connections since 00:00 UTC (what the daily quota counts)" }),
  connectionsPeak: Type.Integer({ minimum: 0, description: "Most concurrent connections today, counted at every connect" }),
});
export type UsageToday = Static<typeof UsageToday>;
