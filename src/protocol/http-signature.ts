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

/** The decoded query parameters of a verified request, for the endpoint to read. */
export interface QueryParams {
  get(name: string): string | undefined;
}

/**
 * Checks auth parameters, timestamp window, body MD5 and signature, in that order.
 * Returns the decoded query parameters (for the endpoint to read) or throws HttpError(401).
 */
export function verifySignedRequest(req: SignedRequest, secretFor: SecretLookup, nowSeconds: number): QueryParams {
  // Nearly every SDK request passes the plain check; any other request, and every refusal, takes the
  // general way, which alone words the errors.
  if (acceptsPlainRequest(req, secretFor, nowSeconds)) return new LazyParams(req.rawQuery);
  return verifyParsed(req, secretFor, nowSeconds);
}

/** The general way: every parameter decoded into a map, the string to sign rebuilt from it. */
export function verifyParsed(req: SignedRequest, secretFor: SecretLookup, nowSeconds: number): Map<string, string> {
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

/**
 * True when the request is plain and valid: a query of `key=value` pairs without escapes, keys in
 * lower case, in strictly ascending order leaving `auth_signature` aside (as the SDKs send them),
 * every check passing. The string to sign is then the query itself without the signature pair: no
 * map, no sort, no re-joining. False means nothing; the general way decides.
 */
const PLAIN_KEY = /^[a-z0-9_.-]+$/;

export function acceptsPlainRequest(req: SignedRequest, secretFor: SecretLookup, nowSeconds: number): boolean {
  const q = req.rawQuery;
  // An escape to decode, or a trailing "&": an empty last segment, which the pair loop below would
  // skip but would then leave in the signed text (the general way drops it).
  if (q.includes("%") || q.endsWith("&")) return false;
  const start = q.charCodeAt(0) === 63 ? 1 : 0; // "?"
  let key: string | undefined;
  let timestamp: string | undefined;
  let version = false;
  let md5: string | undefined;
  let signature: string | undefined;
  let sigStart = -1;
  let sigEnd = -1;
  let previous = "";
  let at = start;
  // Pair by pair with native scans (indexOf), not character by character in JavaScript.
  while (at < q.length) {
    let end = q.indexOf("&", at);
    if (end < 0) end = q.length;
    const eq = q.indexOf("=", at);
    if (eq <= at || eq > end) return false; // an empty segment, a key without "=", or an empty key
    const name = q.slice(at, eq);
    if (name === "auth_signature") {
      if (signature !== undefined) return false;
      signature = q.slice(eq + 1, end);
      sigStart = at;
      sigEnd = end;
    } else {
      if (name <= previous) return false; // out of order or repeated: the general way sorts and dedupes
      previous = name;
      if (name === "auth_key") key = q.slice(eq + 1, end);
      else if (name === "auth_timestamp") timestamp = q.slice(eq + 1, end);
      else if (name === "auth_version") version = true;
      else if (name === "body_md5") md5 = q.slice(eq + 1, end);
      else if (!PLAIN_KEY.test(name)) return false; // one the general way would lower-case
    }
    at = end + 1;
  }
  if (key === undefined || timestamp === undefined || !version || signature === undefined) return false;
  const secret = secretFor(key);
  if (secret === undefined) return false;
  if (!(Math.abs(nowSeconds - Number(timestamp)) <= TIMESTAMP_WINDOW_SECONDS)) return false;
  if (req.rawBody !== "" && (md5 === undefined || !safeEqual(md5Hex(req.rawBody), md5))) return false;
  // The query without its signature pair: the pairs before it (with their "&") and those after it.
  const head = q.slice(start, sigStart);
  const signed = sigEnd < q.length ? head + q.slice(sigEnd + 1) : head.endsWith("&") ? head.slice(0, -1) : head;
  return safeEqual(hmacHex(secret, `${req.method.toUpperCase()}\n${req.path}\n${signed}`), signature);
}

/** Parsed on first read: a trigger never reads its query after the signature check. */
class LazyParams implements QueryParams {
  private parsed: Map<string, string> | undefined;
  constructor(private readonly rawQuery: string) {}
  get(name: string): string | undefined {
    this.parsed ??= parseRawQuery(this.rawQuery);
    return this.parsed.get(name);
  }
}

function isoSeconds(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
