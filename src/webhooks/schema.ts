/**
 * Webhook endpoints and delivery-log entries: the TypeBox schemas are the single source of validation,
 * TypeScript types and (later) the management API docs (STYLE.md principle 5). Event types are the
 * names of PUSHER-PROTOCOL.md §6.3.
 */
import { Type, type Static } from "@sinclair/typebox";

export const EVENT_TYPES = [
  "channel_occupied",
  "channel_vacated",
  "member_added",
  "member_removed",
  "client_event",
  "cache_miss",
  "subscription_count",
] as const;

export const WebhookEventType = Type.Union(EVENT_TYPES.map((name) => Type.Literal(name)));
export type WebhookEventType = (typeof EVENT_TYPES)[number];

/**
 * Types an endpoint gets when none are chosen: everything but client_event. Client events arrive at
 * message rate and carry user data, so a receiver opts in explicitly (Pusher enables each type on its
 * own, §6.3); the others are at most a few per subscription.
 */
export const DEFAULT_EVENT_TYPES: readonly WebhookEventType[] = EVENT_TYPES.filter((t) => t !== "client_event");

/** Endpoints per app: each costs a row per event in the outbox, so the fan-out is bounded. */
export const MAX_ENDPOINTS_PER_APP = 10;

export const WebhookEndpoint = Type.Object({
  id: Type.String({ description: "Endpoint id, e.g. wh_3f9a1c0d2b7e" }),
  appId: Type.String(),
  url: Type.String({ format: "uri", maxLength: 2048, description: "http:// or https:// URL that receives POSTs" }),
  events: Type.Array(WebhookEventType, { minItems: 1, uniqueItems: true }),
  enabled: Type.Boolean(),
  batch: Type.Boolean({ description: "Send several events per request (Pusher's 'batch webhooks')" }),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

export const EndpointInput = Type.Object(
  {
    url: Type.String(),
    events: Type.Optional(Type.Array(Type.String())),
    enabled: Type.Optional(Type.Boolean()),
    batch: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type EndpointInput = Static<typeof EndpointInput>;

export const EndpointPatch = Type.Partial(EndpointInput, { additionalProperties: false });
export type EndpointPatch = Static<typeof EndpointPatch>;

export const DeliveryKind = Type.Union([Type.Literal("delivery"), Type.Literal("test"), Type.Literal("expired")]);
export const DeliveryOutcome = Type.Union([Type.Literal("delivered"), Type.Literal("retrying"), Type.Literal("failed")]);

export const DeliveryLogEntry = Type.Object({
  id: Type.Integer(),
  appId: Type.String(),
  endpointId: Type.String(),
  url: Type.String(),
  time: Type.String({ format: "date-time", description: "When the attempt ended" }),
  kind: DeliveryKind,
  outcome: DeliveryOutcome,
  eventTypes: Type.Array(Type.String(), { description: "Distinct event names in the request" }),
  eventCount: Type.Integer(),
  attempt: Type.Integer({ description: "1 for the first try; 0 when the events expired before a try" }),
  status: Type.Union([Type.Integer(), Type.Null()], { description: "HTTP status; null on network error or timeout" }),
  latencyMs: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});
export type DeliveryLogEntry = Static<typeof DeliveryLogEntry>;

/** One endpoint's backlog, for metrics and the dashboard. */
export interface EndpointBacklog {
  endpointId: string;
  appId: string;
  pending: number;
  inFlight: number;
  /** Events not written because the endpoint was over its outbox bound, since start. */
  dropped: number;
}
