/**
 * Validation shared by POST /events and POST /batch_events (§5.3–§5.4): every check runs before
 * anything is published, so a request is applied whole or not at all.
 */
import type { App } from "../engine/app";
import type { LiveQueries } from "../engine/queries";
import { validateEventName } from "../engine/event-names";
import { channelType, validateChannelName } from "../protocol/channels";
import { HttpError } from "../protocol/errors";
import { SOCKET_ID } from "../protocol/socket-id";
import { infoAttributes } from "./auth";

export interface CheckedTrigger {
  channels: string[];
  event: string;
  data: string;
  excludeSocketId?: string;
  info: ReadonlySet<string>;
}

export const TRIGGER_INFO = ["user_count", "subscription_count"] as const;

export function checkTrigger(app: App, body: Record<string, unknown>, batch: boolean): CheckedTrigger {
  const { name, data } = body;
  if (typeof name !== "string") throw new HttpError(400, "Missing or invalid 'name': it must be a string");
  if (typeof data !== "string") {
    throw new HttpError(400, "Missing or invalid 'data': it must be a string (JSON-encode objects first)");
  }
  const channels = channelList(app, body, batch);
  const nameProblem = validateEventName(name, app);
  if (nameProblem !== null) throw new HttpError(400, `Invalid event name: ${nameProblem}`);
  const socketId = body.socket_id;
  if (socketId !== undefined && (typeof socketId !== "string" || !SOCKET_ID.test(socketId))) {
    throw new HttpError(400, `Invalid socket_id '${String(socketId)}': it must match ^\\d+\\.\\d+$`);
  }
  const info = infoAttributes(body.info, TRIGGER_INFO);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: data that short cannot be over the limit, and
  // needs no native byte count (nearly every trigger).
  const max = app.limits.maxMessageBytes;
  if (data.length * 3 > max) {
    const bytes = Buffer.byteLength(data);
    if (bytes > max) throw new HttpError(413, `Payload too large: data is ${bytes} bytes, the limit is ${max}`);
  }
  return { channels, event: name, data, excludeSocketId: socketId as string | undefined, info };
}

function channelList(app: App, body: Record<string, unknown>, batch: boolean): string[] {
  let channels: unknown;
  if (batch) {
    if (typeof body.channel !== "string") throw new HttpError(400, "Each batch event needs a 'channel' string");
    channels = [body.channel];
  } else if (body.channels !== undefined) {
    channels = body.channels;
    if (!Array.isArray(channels) || channels.length === 0) {
      throw new HttpError(400, "'channels' must be a non-empty array of channel names");
    }
  } else if (body.channel !== undefined) {
    channels = [body.channel];
  } else {
    throw new HttpError(400, "Missing 'channels' or 'channel'");
  }
  const list = channels as unknown[];
  const max = app.limits.maxChannelsPerTrigger;
  if (list.length > max) throw new HttpError(400, `Too many channels: ${list.length}, the limit is ${max}`);
  for (const channel of list) {
    const problem = validateChannelName(channel as string, app.limits.maxChannelNameLength);
    if (problem !== null) throw new HttpError(400, problem);
  }
  // One channel (nearly every trigger) has no duplicates to drop: no Set and no copy for it.
  return list.length === 1 ? (list as string[]) : [...new Set(list as string[])];
}

/** The `info` answer for one channel: attributes only where they apply (§5.3). */
export async function channelInfo(live: LiveQueries, appId: string, channel: string, info: ReadonlySet<string>): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  const kind = channelType(channel).kind;
  if (kind === "user") return result;
  if (info.has("user_count") && kind === "presence") result.user_count = (await live.members(appId, channel)).length;
  if (info.has("subscription_count")) result.subscription_count = await live.subscriptionCount(appId, channel);
  return result;
}
