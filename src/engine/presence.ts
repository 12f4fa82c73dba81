/**
 * Presence identity from a subscribe frame (§3.2): `channel_data` when present, else the signed-in
 * user. Limits: user_id ≤ 128 characters, user_info ≤ 1 KB (per-app settings).
 */
import { PusherError } from "../protocol/errors";
import type { PresenceMember, PresenceSnapshot } from "./ports";
import type { Session } from "./session";

export interface PresenceIdentity {
  userId: string;
  info: unknown;
}

export function presenceIdentity(session: Session, channel: string, channelData: string | undefined): PresenceIdentity {
  const limits = session.app.app.limits;
  let userId: unknown;
  let info: unknown;
  if (channelData !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(channelData);
    } catch {
      throw new PusherError(null, `Invalid channel_data for ${channel}: not valid JSON`, channel);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new PusherError(null, `Invalid channel_data for ${channel}: expected a JSON object`, channel);
    }
    ({ user_id: userId, user_info: info } = parsed as Record<string, unknown>);
  } else if (session.user !== undefined) {
    userId = session.user.id;
    info = session.user.info;
  } else {
    throw new PusherError(
      null,
      `Presence subscription to ${channel} needs channel_data or a signed-in user (pusher:signin)`,
      channel,
    );
  }
  // Numbers occur in practice ({"user_id":1265}); members are compared and emitted as strings (§2.5).
  if (typeof userId === "number" && Number.isFinite(userId)) userId = String(userId);
  if (typeof userId !== "string" || userId === "") {
    throw new PusherError(null, `Invalid channel_data for ${channel}: user_id must be a non-empty string`, channel);
  }
  if (!wellFormed(userId)) {
    throw new PusherError(null, `Invalid channel_data for ${channel}: user_id is not valid Unicode text`, channel);
  }
  if (userId.length > limits.maxUserIdLength) {
    throw new PusherError(
      null,
      `Invalid channel_data for ${channel}: user_id is ${userId.length} characters, the limit is ${limits.maxUserIdLength}`,
      channel,
    );
  }
  if (info !== undefined) {
    if (!wellFormed(info)) throw new PusherError(null, `Invalid channel_data for ${channel}: user_info is not valid Unicode text`, channel);
    const bytes = Buffer.byteLength(JSON.stringify(info));
    if (bytes > limits.maxUserInfoBytes) {
      throw new PusherError(
        null,
        `Invalid channel_data for ${channel}: user_info is ${bytes} bytes, the limit is ${limits.maxUserInfoBytes}`,
        channel,
      );
    }
  }
  return { userId, info: info ?? null };
}

/**
 * Strings without lone UTF-16 surrogates, keys included. JSON.parse accepts "\ud800", but such text
 * cannot be stored as UTF-8 (Redis, PostgreSQL) without turning into another id, so it is refused.
 */
export function wellFormed(value: unknown): boolean {
  if (typeof value === "string") return value.isWellFormed();
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) return value.every(wellFormed);
  for (const [key, item] of Object.entries(value)) if (!key.isWellFormed() || !wellFormed(item)) return false;
  return true;
}

/** The `presence` object of subscription_succeeded: every member is a key of `hash` (§2.4). */
export function snapshotOf(members: Iterable<PresenceMember>): PresenceSnapshot {
  const ids: string[] = [];
  // No prototype: a user id such as "__proto__" must become a key like any other (§2.4).
  const hash: Record<string, unknown> = Object.create(null);
  for (const member of members) {
    ids.push(member.id);
    hash[member.id] = member.info ?? null;
  }
  return { ids, hash, count: ids.length };
}
