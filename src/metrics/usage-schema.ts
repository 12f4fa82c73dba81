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
  connectionsPeak: Type.Integer({ minimum: 0, description: "Most connections seen by one 10-second sample" }),
  connectionsAvg: Type.Number({ minimum: 0, description: "Average connections over the bucket's elapsed minutes" }),
  apiMessages: Type.Integer({ minimum: 0, description: "Events published through the HTTP API, one per channel" }),
  clientMessages: Type.Integer({ minimum: 0, description: "Client events sent by sockets" }),
  delivered: Type.Integer({ minimum: 0, description: "Messages delivered to sockets (Pusher's message count)" }),
});
export type UsagePoint = Static<typeof UsagePoint>;

export const UsageSeries = Type.Object({
  period: UsagePeriod,
  bucketSeconds: Type.Integer({ description: "60, 3600 or 86400" }),
  points: Type.Array(UsagePoint, { description: "Oldest first; the last bucket is the current one" }),
});
export type UsageSeries = Static<typeof UsageSeries>;

export const UsageToday = Type.Object({
  messages: Type.Integer({ minimum: 0, description: "Messages delivered since 00:00 UTC" }),
  connectionsPeak: Type.Integer({ minimum: 0, description: "Most concurrent connections today, per minute" }),
});
export type UsageToday = Static<typeof UsageToday>;
