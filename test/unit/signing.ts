/**
 * Signs Pusher HTTP API requests the way the SDKs do (PUSHER-PROTOCOL.md §5.2), reusing the server's
 * own primitives, so tests can send raw requests with chosen defects. The query values in the URL are
 * raw by default (pusher-http-node); `encodeValues` percent-encodes them as Guzzle does (PHP).
 */
import { requestStringToSign } from "../../src/protocol/http-signature";
import { hmacHex, md5Hex } from "../../src/protocol/signatures";

export interface SignOptions {
  key: string;
  secret: string;
  method: string;
  path: string;
  /** Extra query parameters (signed). */
  params?: Record<string, string>;
  body?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Percent-encode values in the URL (what is signed stays decoded). */
  encodeValues?: boolean;
  /** Override or remove (undefined) any auth parameter after signing. */
  tamper?: Record<string, string | undefined>;
}

/** The query string (without `?`) with auth_key, auth_timestamp, auth_version, body_md5, auth_signature. */
export function signedQuery(o: SignOptions): string {
  const params = new Map<string, string>(Object.entries(o.params ?? {}));
  params.set("auth_key", o.key);
  params.set("auth_timestamp", String(o.timestamp ?? Math.floor(Date.now() / 1000)));
  params.set("auth_version", "1.0");
  if (o.body !== undefined && o.body !== "") params.set("body_md5", md5Hex(o.body));
  params.set("auth_signature", hmacHex(o.secret, requestStringToSign(o.method, o.path, params)));
  for (const [name, value] of Object.entries(o.tamper ?? {})) {
    if (value === undefined) params.delete(name);
    else params.set(name, value);
  }
  const encode = o.encodeValues ? encodeURIComponent : (v: string) => v;
  return [...params].map(([k, v]) => `${k}=${encode(v)}`).join("&");
}

/** Sends a signed request to `baseUrl` and returns status and parsed JSON body. */
export async function signedFetch(baseUrl: string, o: SignOptions): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}${o.path}?${signedQuery(o)}`, {
    method: o.method,
    headers: o.body === undefined ? {} : { "content-type": "application/json" },
    body: o.body,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the raw text; the assertion will show it
  }
  return { status: response.status, body };
}
