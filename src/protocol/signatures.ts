/**
 * Every HMAC and comparison of the Pusher protocol, in one place (STYLE.md principle 10).
 * Signatures are lowercase hex HMAC-SHA256 with the app secret; comparisons are constant-time.
 * Strings are signed exactly as received: JSON is never re-serialised (§3).
 */
import { quoted } from "./errors";

/**
 * One keyed hasher per secret, copied per message: the HMAC key schedule (two hashed key pads) is
 * done once per secret instead of per request, and Bun's native hasher skips node:crypto's wrapper
 * objects (2.7 → 0.6 µs per signature, bench/README.md). Bounded: cleared when it outgrows what a
 * node's live key pairs need, so secrets that were rotated away cannot accumulate.
 */
const keyed = new Map<string, Bun.CryptoHasher>();
const MAX_KEYED = 1024;

export function hmacHex(secret: string, message: string): string {
  let base = keyed.get(secret);
  if (base === undefined) {
    if (keyed.size >= MAX_KEYED) keyed.clear();
    base = new Bun.CryptoHasher("sha256", secret);
    keyed.set(secret, base);
  }
  return base.copy().update(message).digest("hex");
}

export function md5Hex(body: string | Uint8Array): string {
  // Bun's one-shot MD5: no Hash object and no node:crypto argument handling per call (every signed
  // HTTP API request with a body pays this; 0.66 → 0.40 µs in bench/diagnose.ts's conditions).
  return Bun.MD5.hash(body, "hex") as string;
}

/**
 * Constant-time string equality: every code unit is compared whatever the earlier ones were, so the
 * time does not tell where two strings differ; unequal lengths fail (a length is no secret: every
 * signature and digest has a fixed one). Over the UTF-16 code units, without encoding both strings
 * into Buffers first (two allocations per comparison, twice per signed request).
 */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Looks up the secret of one of an app's active keys (apps may have several pairs). */
export type SecretLookup = (key: string) => string | undefined;

/**
 * Verifies an `auth` value `<key>:<hex signature>` over `toSign` (§3 validation steps).
 * Returns null when valid, else the message Pusher would send.
 */
export function verifyAuth(auth: unknown, toSign: string, secretFor: SecretLookup): string | null {
  if (typeof auth !== "string" || auth === "") return "Missing auth: this channel requires a signature";
  const colon = auth.indexOf(":");
  if (colon < 0) return "Invalid format: auth must have the format key:signature";
  const key = auth.slice(0, colon);
  const signature = auth.slice(colon + 1);
  const secret = secretFor(key);
  if (secret === undefined) return `Invalid key in subscription auth data: '${quoted(key)}'`;
  if (!safeEqual(hmacHex(secret, toSign), signature)) {
    return `Invalid signature: Expected HMAC SHA256 hex digest of ${quoted(toSign, 2000)}, but got ${quoted(signature)}`;
  }
  return null;
}

/** `<socket_id>:<channel>[:<channel_data>]` for private, encrypted and presence channels (§3.1–§3.3). */
export function channelStringToSign(socketId: string, channel: string, channelData?: string): string {
  return channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
}

/** `<socket_id>::user::<user_data>` for pusher:signin (§3.4). */
export function signinStringToSign(socketId: string, userData: string): string {
  return `${socketId}::user::${userData}`;
}

/** Signs a channel subscription as a customer's auth endpoint would (tests and the dashboard use it). */
export function signChannel(key: string, secret: string, socketId: string, channel: string, channelData?: string) {
  return `${key}:${hmacHex(secret, channelStringToSign(socketId, channel, channelData))}`;
}

/** The webhook signature header: HMAC of the exact body bytes (§6.1). */
export function webhookSignature(secret: string, body: string): string {
  return hmacHex(secret, body);
}
