/**
 * Pusher protocol 7 frames (PUSHER-PROTOCOL.md §1.2). Server → client `data` is always a JSON-encoded
 * string, except `pusher:error`, whose `data` is an object as real Pusher sends it (§1.6).
 * Encoders build the JSON by concatenation: the fan-out path encodes one frame per publish, and data
 * published over HTTP must reach subscribers byte-for-byte inside that string.
 */
import { PusherError } from "./errors";

const q = JSON.stringify;

export function connectionEstablished(socketId: string, activityTimeout: number): string {
  // Sent on every connect: socket ids are digits and one dot (socket-id.ts), which need no escaping
  // at either level, so the frame is concatenated; any other id takes the general encoder.
  if (PLAIN_SOCKET_ID.test(socketId) && Number.isInteger(activityTimeout)) {
    return `{"event":"pusher:connection_established","data":"{\\"socket_id\\":\\"${socketId}\\",\\"activity_timeout\\":${activityTimeout}}"}`;
  }
  return `{"event":"pusher:connection_established","data":${q(
    `{"socket_id":${q(socketId)},"activity_timeout":${activityTimeout}}`,
  )}}`;
}

const PLAIN_SOCKET_ID = /^\d+\.\d+$/;

export function errorFrame(err: { code: number | null; message: string; channel?: string }): string {
  const channel = err.channel === undefined ? "" : `,"channel":${q(err.channel)}`;
  return `{"event":"pusher:error"${channel},"data":{"code":${err.code ?? "null"},"message":${q(err.message)}}}`;
}

/** A channel event. `data` is the string to deliver; `userId` only for client events on presence channels. */
export function eventFrame(event: string, channel: string, data: string, userId?: string): string {
  const user = userId === undefined ? "" : `,"user_id":${q(userId)}`;
  return `{"event":${q(event)},"channel":${q(channel)},"data":${q(data)}${user}}`;
}

export function channelFrame(event: string, channel: string, data: unknown): string {
  return eventFrame(event, channel, q(data));
}

export const PONG = `{"event":"pusher:pong","data":"{}"}`;
export const PING = `{"event":"pusher:ping","data":"{}"}`;

export function subscriptionSucceeded(channel: string, presence?: PresenceSnapshot): string {
  // Sent on every subscribe: the constant parts are encoded once (the same bytes as eventFrame's).
  if (presence === undefined) return SUCCEEDED_HEAD + q(channel) + SUCCEEDED_TAIL;
  return eventFrame("pusher_internal:subscription_succeeded", channel, q({ presence }));
}

const SUCCEEDED_HEAD = `{"event":${q("pusher_internal:subscription_succeeded")},"channel":`;
const SUCCEEDED_TAIL = `,"data":${q("{}")}}`;

export interface PresenceSnapshot {
  ids: string[];
  hash: Record<string, unknown>;
  count: number;
}

/** A parsed client → server frame. `data` is an object (pusher-js) or a string (other SDKs, §1.2). */
export interface InboundFrame {
  event: string;
  channel?: string;
  data: unknown;
}

/** Parses one text frame. Throws PusherError (code null: the socket stays open) for malformed input. */
export function parseFrame(text: string): InboundFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PusherError(null, "Invalid message: not valid JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new PusherError(null, "Invalid message: expected a JSON object");
  }
  const frame = value as Record<string, unknown>;
  if (typeof frame.event !== "string" || frame.event === "") {
    throw new PusherError(null, "Invalid message: missing the string field 'event'");
  }
  if (frame.channel !== undefined && typeof frame.channel !== "string") {
    throw new PusherError(null, "Invalid message: 'channel' must be a string");
  }
  return { event: frame.event, channel: frame.channel as string | undefined, data: frame.data };
}

/**
 * The `data` of a `pusher:*` command as an object. pusher-js sends an object; some SDKs send a JSON
 * string, which we decode as Reverb does (§1.2).
 */
export function commandData(frame: InboundFrame): Record<string, unknown> {
  let data = frame.data;
  if (typeof data === "string") {
    try {
      data = JSON.parse(data);
    } catch {
      throw new PusherError(null, `Invalid message: 'data' of ${frame.event} must be a JSON object`);
    }
  }
  if (data === undefined || data === null) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new PusherError(null, `Invalid message: 'data' of ${frame.event} must be a JSON object`);
  }
  return data as Record<string, unknown>;
}

export function subscriptionErrorFrame(channel: string, type: string, error: string, status: number): string {
  return `{"event":"pusher:subscription_error","channel":${q(channel)},"data":${q(q({ type, error, status }))}}`;
}
