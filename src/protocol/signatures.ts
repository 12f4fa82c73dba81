/**
 * Every HMAC and comparison of the Pusher protocol, in one place (STYLE.md principle 10).
 * Signatures are lowercase hex HMAC-SHA256 with the app secret; comparisons are constant-time.
 * Strings are signed exactly as received: JSON is never re-serialised (§3).
 */
import { createHmac, hash, timingSafeEqual } from "node:crypto";
import { quoted } from "./errors";

export function hmacHex(secret: string, message: string): string {
  return createHmac("sha256", secret).update(message).digest("hex");
}

export function md5Hex(body: string | Uint8Array): string {
  // The one-shot form: no Hash object per call (every signed HTTP API request with a body pays this).
  return hash("md5", body, "hex");
}

/** Constant-time string equality; unequal lengths fail without leaking where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
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
