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
  // One pass with indexOf, no intermediate arrays: this runs for every signed request.
  // Signed queries rarely hold an escape: one native scan of the whole query spares two per parameter.
  const escaped = rawQuery.includes("%");
  let start = rawQuery.startsWith("?") ? 1 : 0;
  while (start < rawQuery.length) {
    let end = rawQuery.indexOf("&", start);
    if (end < 0) end = rawQuery.length;
    if (end > start) {
      const eq = rawQuery.indexOf("=", start);
      const hasValue = eq >= 0 && eq < end;
      const rawKey = rawQuery.slice(start, hasValue ? eq : end);
      const rawValue = hasValue ? rawQuery.slice(eq + 1, end) : "";
      params.set(lowerKey(escaped ? decode(rawKey) : rawKey), escaped ? decode(rawValue) : rawValue);
    }
    start = end + 1;
  }
  return params;
}

/** Keys are case-insensitive; the names every signed request carries are compared, not re-cased. */
function lowerKey(key: string): string {
  switch (key) {
    case "auth_key":
    case "auth_timestamp":
    case "auth_version":
    case "auth_signature":
    case "body_md5":
    case "info":
      return key;
    default:
      return key.toLowerCase();
  }
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
  // Keys are unique (a Map), so the sort needs no tie case; no intermediate pair arrays per request.
  // SDKs send the parameters already sorted (pusher-http-* sort before signing): sort only if not.
  const keys: string[] = [];
  let sorted = true;
  for (const key of params.keys()) {
    if (key === "auth_signature") continue;
    if (keys.length > 0 && keys[keys.length - 1]! > key) sorted = false;
    keys.push(key);
  }
  if (!sorted) keys.sort();
  let signed = "";
  for (let i = 0; i < keys.length; i++) signed += `${i === 0 ? "" : "&"}${keys[i]}=${params.get(keys[i]!)}`;
  return `${method.toUpperCase()}\n${path}\n${signed}`;
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
  if (!REQUIRED.every((name) => params.has(name))) {
    const missing = REQUIRED.filter((name) => !params.has(name));
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
