/**
 * Channel names and kinds (PUSHER-PROTOCOL.md §2.1–§2.2). Prefixes are checked longest first, as
 * pusher-js does (`private-encrypted-` before `private-`).
 */
import { PusherError } from "./errors";

export type ChannelKind = "public" | "private" | "presence" | "encrypted" | "user";

export interface ChannelType {
  kind: ChannelKind;
  /** Last HTTP-published event is kept and replayed (§2.8). */
  cache: boolean;
}

const PREFIXES: ReadonlyArray<[string, ChannelType]> = [
  ["#server-to-user-", { kind: "user", cache: false }],
  ["private-encrypted-cache-", { kind: "encrypted", cache: true }],
  ["private-encrypted-", { kind: "encrypted", cache: false }],
  ["private-cache-", { kind: "private", cache: true }],
  ["private-", { kind: "private", cache: false }],
  ["presence-cache-", { kind: "presence", cache: true }],
  ["presence-", { kind: "presence", cache: false }],
  ["cache-", { kind: "public", cache: true }],
];
const PUBLIC: ChannelType = { kind: "public", cache: false };

export function channelType(name: string): ChannelType {
  // Every prefix starts with "#", "p" or "c": any other name is public without eight comparisons
  // (this runs for every channel of every publish).
  const first = name.charCodeAt(0);
  if (first !== 35 && first !== 112 && first !== 99) return PUBLIC;
  for (let i = 0; i < PREFIXES.length; i++) if (name.startsWith(PREFIXES[i]![0])) return PREFIXES[i]![1];
  return PUBLIC;
}

export const USER_CHANNEL_PREFIX = "#server-to-user-";

/** Channels that need a signature to join (§3.1–§3.3). */
export function requiresAuth(kind: ChannelKind): boolean {
  return kind === "private" || kind === "presence" || kind === "encrypted";
}

/** Client events are allowed on private and presence channels only (§4 rule 2, §3.3). */
export function allowsClientEvents(kind: ChannelKind): boolean {
  return kind === "private" || kind === "presence";
}

const NAME_CHARS = /^[A-Za-z0-9_\-=@,.;]+$/;
export const CHANNEL_NAME_RULE = "A-Z a-z 0-9 _ - = @ , . ;";

/**
 * Checks a channel name against the legal alphabet and length. `#server-to-user-{id}` is the only `#`
 * name; its user-id part is not held to the alphabet, since the Node SDK does not check it (§3.5).
 */
export function validateChannelName(name: string, maxLength: number): string | null {
  if (typeof name !== "string" || name === "") return "Channel name must be a non-empty string";
  if (name.length > maxLength) {
    return `Channel name too long: ${name.length} characters, the limit is ${maxLength}`;
  }
  if (name.startsWith(USER_CHANNEL_PREFIX)) {
    return name.length > USER_CHANNEL_PREFIX.length ? null : "Server-to-user channel needs a user id";
  }
  if (!NAME_CHARS.test(name)) {
    return `Invalid channel name '${name}': use only the characters ${CHANNEL_NAME_RULE}`;
  }
  return null;
}

export function assertChannelName(name: string, maxLength: number): void {
  const problem = validateChannelName(name, maxLength);
  if (problem !== null) throw new PusherError(null, problem, typeof name === "string" ? name : undefined);
}
