/**
 * What goes on the wire (PUSHER-PROTOCOL.md §6.1, §6.3): one JSON object per event with the fields of
 * its type, a body `{"time_ms":…,"events":[…]}` and the three headers. Each event is serialised once,
 * when it is recorded; the body is those exact strings joined, and the signature covers the exact
 * bytes sent (never re-serialised after signing, unlike soketi, §6.1).
 */
import type { LifecycleEvents } from "../engine/bus";
import { webhookSignature } from "../protocol/signatures";
import type { WebhookEventType } from "./event-types";

/** A recorded event: its type, channel (the ordering key) and its serialised object. */
export interface WebhookEvent {
  type: WebhookEventType;
  channel: string;
  json: string;
}

type Source = {
  occupied: LifecycleEvents["occupied"];
  vacated: LifecycleEvents["vacated"];
  member_added: LifecycleEvents["member_added"];
  member_removed: LifecycleEvents["member_removed"];
  client_event: LifecycleEvents["client_event"];
  cache_miss: LifecycleEvents["cache_miss"];
  subscription_count: LifecycleEvents["subscription_count"];
};

/** Bus event name → webhook type and its §6.3 object. Key order is fixed so bodies are reproducible. */
export const FROM_BUS: { [K in keyof Source]: { type: WebhookEventType; build: (e: Source[K]) => Record<string, unknown> } } = {
  occupied: { type: "channel_occupied", build: (e) => ({ name: "channel_occupied", channel: e.channel }) },
  vacated: { type: "channel_vacated", build: (e) => ({ name: "channel_vacated", channel: e.channel }) },
  member_added: { type: "member_added", build: (e) => ({ name: "member_added", channel: e.channel, user_id: e.userId }) },
  member_removed: { type: "member_removed", build: (e) => ({ name: "member_removed", channel: e.channel, user_id: e.userId }) },
  client_event: {
    type: "client_event",
    // `data` stays the string the client sent (§6.3 [REC]); user_id only on presence channels.
    build: (e) => ({
      name: "client_event",
      channel: e.channel,
      event: e.event,
      data: e.data,
      socket_id: e.socketId,
      ...(e.userId === undefined ? {} : { user_id: e.userId }),
    }),
  },
  cache_miss: { type: "cache_miss", build: (e) => ({ name: "cache_miss", channel: e.channel }) },
  // An integer, as sockudo sends, not Pusher's documented string placeholder (§6.3 [REC]).
  subscription_count: {
    type: "subscription_count",
    build: (e) => ({ name: "subscription_count", channel: e.channel, subscription_count: e.count }),
  },
};

export type BusEventName = keyof Source;
export const BUS_EVENTS = Object.keys(FROM_BUS) as BusEventName[];

export function toWebhookEvent<K extends BusEventName>(name: K, event: Source[K]): WebhookEvent {
  const spec = FROM_BUS[name];
  return { type: spec.type, channel: event.channel, json: JSON.stringify(spec.build(event)) };
}

/** `time_ms` is when the (oldest) event happened, so a receiver can see how late a retry is (§6.1). */
export function webhookBody(timeMs: number, eventJson: readonly string[]): string {
  return `{"time_ms":${Math.floor(timeMs)},"events":[${eventJson.join(",")}]}`;
}

/**
 * Header names with this capitalisation (pusher-http-php reads them case-sensitively) and the content
 * type exactly `application/json`: pusher-http-node rejects anything else, even with a charset (§6.1).
 */
export function webhookHeaders(key: string, secret: string, body: string): Record<string, string> {
  return {
    "Content-Type": "application/json",
    "X-Pusher-Key": key,
    "X-Pusher-Signature": webhookSignature(secret, body),
  };
}

/** A plausible event of the given type for "send test": receivers can exercise their real handler. */
export function testEvent(type: WebhookEventType): WebhookEvent {
  const channel = type === "member_added" || type === "member_removed" ? "presence-webhook-test" : "private-webhook-test";
  const fields: Record<WebhookEventType, Record<string, unknown>> = {
    channel_occupied: { name: type, channel },
    channel_vacated: { name: type, channel },
    member_added: { name: type, channel, user_id: "webhook-test" },
    member_removed: { name: type, channel, user_id: "webhook-test" },
    client_event: { name: type, channel, event: "client-webhook-test", data: "{}", socket_id: "0.0" },
    cache_miss: { name: type, channel },
    subscription_count: { name: type, channel, subscription_count: 1 },
  };
  return { type, channel, json: JSON.stringify(fields[type]) };
}
