/**
 * Pusher HTTP request signing (§5.2) with Mawjly's own protocol helpers instead of the `pusher` SDK:
 * the load generator shares the 2 cores with the server, so each signature must cost microseconds.
 */
import { requestStringToSign } from "../../src/protocol/http-signature";
import { hmacHex, md5Hex } from "../../src/protocol/signatures";

export interface Credentials {
  key: string;
  secret: string;
}

/** The query string (with leading '?') that signs one POST of `body` to `path`. */
export function signedQuery(creds: Credentials, path: string, body: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const params = new Map<string, string>([
    ["auth_key", creds.key],
    ["auth_timestamp", String(nowSeconds)],
    ["auth_version", "1.0"],
    ["body_md5", md5Hex(body)],
  ]);
  const signature = hmacHex(creds.secret, requestStringToSign("POST", path, params));
  let query = "";
  for (const [k, v] of params) query += `${query === "" ? "?" : "&"}${k}=${encodeURIComponent(v)}`;
  return `${query}&auth_signature=${signature}`;
}

/** Event data of exactly `bytes` bytes carrying the send time, read back by the subscribers. */
export function stampedData(sentAt: number, seq: number, bytes: number): string {
  const head = `{"t":${sentAt.toFixed(3)},"i":${seq},"p":"`;
  const pad = Math.max(0, bytes - head.length - 2);
  return `${head}${"x".repeat(pad)}"}`;
}

/** Finds the send time in a received frame without parsing the JSON (the data is JSON-in-a-string). */
export function sentAtOf(frame: string): number {
  const at = frame.indexOf('"t\\":');
  return at < 0 ? NaN : parseFloat(frame.slice(at + 5, at + 25));
}
