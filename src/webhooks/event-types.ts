/**
 * The webhook event types: the names of PUSHER-PROTOCOL.md §6.3. Plain data, not TypeBox, because
 * the webhook service needs them at start and TypeBox loads only on the first write (schema.ts).
 */
export const EVENT_TYPES = [
  "channel_occupied",
  "channel_vacated",
  "member_added",
  "member_removed",
  "client_event",
  "cache_miss",
  "subscription_count",
] as const;

export type WebhookEventType = (typeof EVENT_TYPES)[number];

/**
 * Types an endpoint gets when none are chosen: everything but client_event. Client events arrive at
 * message rate and carry user data, so a receiver opts in explicitly (Pusher enables each type on its
 * own, §6.3); the others are at most a few per subscription.
 */
export const DEFAULT_EVENT_TYPES: readonly WebhookEventType[] = EVENT_TYPES.filter((t) => t !== "client_event");
