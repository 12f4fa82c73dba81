/**
 * Verification of signed HTTP API requests (PUSHER-PROTOCOL.md §5.2).
 * Works on the raw query string and raw body: framework-decoded queries turn `+` into a space and
 * parsed bodies lose the bytes the MD5 was taken over (§7.3).
 */
import { HttpError } from "./errors";
import { hmacHex, md5Hex, safeEqual, type SecretLookup } from "./signatures";

export const TIMESTAMP_WINDOW_SECONDS = 600;
const REQUIRED = ["auth_key", "auth_timestamp", "auth_version", "auth_signature"] as const;

/** Splits a raw query on `&` and the first `=`, decoding with decodeURIComponent (no `+` → space). */
export function parseRawQuery(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  const text = rawQuery.startsWith("?") ? rawQuery.slice(1) : rawQuery;
  if (text === "") return params;
  for (const part of text.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? "" : part.slice(eq + 1);
    params.set(decode(rawKey).toLowerCase(), decode(rawValue));
  }
  return params;
}

function decode(text: string): string {
  // Most parameters (keys, timestamps, hex digests) contain no escapes: skip the decoder for them.
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpError(400, `Malformed query string: cannot decode '${text}'`);
  }
}

export interface SignedRequest {
  method: string;
  /** The path as received (still percent-encoded), without the server's mount prefix. */
  path: string;
  rawQuery: string;
  rawBody: string;
}

/** The string an SDK signs: METHOD \n path \n sorted lower-cased params (values not encoded). */
export function requestStringToSign(method: string, path: string, params: Map<string, string>): string {
  const pairs = [...params.entries()]
    .filter(([key]) => key !== "auth_signature")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`);
  return `${method.toUpperCase()}\n${path}\n${pairs.join("&")}`;
}

/**
 * Checks auth parameters, timestamp window, body MD5 and signature, in that order.
 * Returns the decoded query parameters (for the endpoint to read) or throws HttpError(401).
 */
export function verifySignedRequest(
  req: SignedRequest,
  secretFor: SecretLookup,
  nowSeconds: number,
): Map<string, string> {
  const params = parseRawQuery(req.rawQuery);
  const missing = REQUIRED.filter((name) => !params.has(name));
  if (missing.length > 0) {
    throw new HttpError(401, `Missing authentication parameter(s): ${missing.join(", ")}`);
  }
  const key = params.get("auth_key")!;
  const secret = secretFor(key);
  if (secret === undefined) throw new HttpError(401, `Unknown auth_key: '${key}'`);

  const timestamp = Number(params.get("auth_timestamp"));
  if (!Number.isFinite(timestamp) || Math.abs(nowSeconds - timestamp) > TIMESTAMP_WINDOW_SECONDS) {
    const given = Number.isFinite(timestamp) ? isoSeconds(timestamp) : params.get("auth_timestamp");
    throw new HttpError(
      401,
      `Timestamp expired: Given timestamp (${given}) not within ${TIMESTAMP_WINDOW_SECONDS}s of server time (${isoSeconds(nowSeconds)})`,
    );
  }
  if (req.rawBody !== "") {
    const sent = params.get("body_md5");
    if (sent === undefined) throw new HttpError(401, "Missing body_md5: a request with a body must sign its MD5");
    const actual = md5Hex(req.rawBody);
    if (!safeEqual(actual, sent)) {
      throw new HttpError(401, `Invalid body_md5: the MD5 of the body is ${actual}, but you sent ${sent}`);
    }
  }
  const toSign = requestStringToSign(req.method, req.path, params);
  const signature = params.get("auth_signature")!;
  if (!safeEqual(hmacHex(secret, toSign), signature)) {
    throw new HttpError(
      401,
      `Invalid signature: you should have sent HmacSHA256Hex(${JSON.stringify(toSign)}, your_secret_key), but you sent "${signature}"`,
    );
  }
  return params;
}

function isoSeconds(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
