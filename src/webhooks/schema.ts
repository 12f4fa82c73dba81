/**
 * Webhook endpoints and delivery-log entries: the TypeBox schemas are the single source of validation,
 * TypeScript types and the management API docs (STYLE.md principle 5). The service loads this module
 * on the first write, not at start (src/engine/app.ts says why).
 */
import { Type, type Static } from "@sinclair/typebox";
import { EVENT_TYPES } from "./event-types";

export const WebhookEventType = Type.Union(EVENT_TYPES.map((name) => Type.Literal(name)));

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
