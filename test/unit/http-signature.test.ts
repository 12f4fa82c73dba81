/**
 * HTTP API request signing (PUSHER-PROTOCOL.md §5.2): the worked examples A–H through
 * requestStringToSign + hmacHex and through verifySignedRequest, then every refusal with its exact
 * status and message.
 */
import { describe, expect, test } from "bun:test";
import { HttpError } from "../../src/protocol/errors";
import { parseRawQuery, requestStringToSign, verifySignedRequest } from "../../src/protocol/http-signature";
import { hmacHex, md5Hex } from "../../src/protocol/signatures";
import { signedQuery } from "./signing";

const KEY = "278d425bdf160c739803";
const SECRET = "7ad3773142a6692b25b8";
const secretFor = (key: string) => (key === KEY ? SECRET : undefined);
const T = 1700000000;

interface Example {
  name: string;
  method: "GET" | "POST";
  path: string;
  params?: [string, string][];
  body?: string;
  timestamp: number;
  md5?: string;
  toSign?: string;
  signature: string;
}

const EXAMPLES: Example[] = [
  {
    name: "A. Pusher docs example",
    method: "POST",
    path: "/apps/3/events",
    body: `{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}`,
    timestamp: 1353088179,
    md5: "ec365a775a4cd0599faeb73354201b6f",
    toSign: `POST\n/apps/3/events\nauth_key=${KEY}&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f`,
    signature: "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c",
  },
  {
    name: "B. trigger with socket_id and info",
    method: "POST",
    path: "/apps/3/events",
    body: `{"name":"my-event","data":"{\\"message\\":\\"hello world\\"}","channels":["my-channel","presence-room"],"socket_id":"123.456","info":"subscription_count,user_count"}`,
    timestamp: T,
    md5: "9d81ca16df38e05100df04b86a03071d",
    toSign: `POST\n/apps/3/events\nauth_key=${KEY}&auth_timestamp=${T}&auth_version=1.0&body_md5=9d81ca16df38e05100df04b86a03071d`,
    signature: "eccf256484de030dbbbee77189b69a6abdfe3c43ca417a0e4b78fbd229946eed",
  },
  {
    name: "C. list presence channels with user_count",
    method: "GET",
    path: "/apps/3/channels",
    params: [["filter_by_prefix", "presence-"], ["info", "user_count"]],
    timestamp: T,
    toSign: `GET\n/apps/3/channels\nauth_key=${KEY}&auth_timestamp=${T}&auth_version=1.0&filter_by_prefix=presence-&info=user_count`,
    signature: "5142c71a4248ef5f3ec45e8793d8997773f1d19ce69ee6f6b1d75131d8aa0a6a",
  },
  {
    name: "D. channel info",
    method: "GET",
    path: "/apps/3/channels/presence-room",
    params: [["info", "user_count,subscription_count"]],
    timestamp: T,
    toSign: `GET\n/apps/3/channels/presence-room\nauth_key=${KEY}&auth_timestamp=${T}&auth_version=1.0&info=user_count,subscription_count`,
    signature: "58d0677b51da0e4c8d9f0ae2bbf4ffb2abf76cc54a537ae0471c5168e869a89c",
  },
  {
    name: "E. presence users",
    method: "GET",
    path: "/apps/3/channels/presence-room/users",
    timestamp: T,
    toSign: `GET\n/apps/3/channels/presence-room/users\nauth_key=${KEY}&auth_timestamp=${T}&auth_version=1.0`,
    signature: "57993b520f77018d5c04e3873f82d31f7a8cf5dacd07389686fdeee97e96875c",
  },
  {
    name: "F. terminate connections",
    method: "POST",
    path: "/apps/3/users/user-42/terminate_connections",
    body: "{}",
    timestamp: T,
    md5: "99914b932bd37a50b983c5e7c90ae93b",
    toSign: `POST\n/apps/3/users/user-42/terminate_connections\nauth_key=${KEY}&auth_timestamp=${T}&auth_version=1.0&body_md5=99914b932bd37a50b983c5e7c90ae93b`,
    signature: "240f18cbe271e8dfc8413a3709697fee37b2364c1068b1fc31e89deadbed56c7",
  },
  {
    name: "G. sendToUser",
    method: "POST",
    path: "/apps/3/events",
    body: `{"name":"notify","data":"{\\"a\\":1}","channels":["#server-to-user-user-42"]}`,
    timestamp: T,
    md5: "dc2001c0ff8a9013870d9bfc558e4b62",
    signature: "ee3f58459246592c57b1a7937fcc4d2874af01ad5e3f35c850be98503eb15f1e",
  },
  {
    name: "H. batch",
    method: "POST",
    path: "/apps/3/batch_events",
    body: `{"batch":[{"channel":"a","name":"e1","data":"{\\"x\\":1}"},{"channel":"b","name":"e2","data":"raw","socket_id":"1.2"}]}`,
    timestamp: T,
    md5: "0a92f6ec71db65b32e8d89738d9ed3b1",
    signature: "cf5c3d1fc77adc48eec4530f06f0221e21c9a3ab506ebe18bb8aebeae7134a30",
  },
];

/** The query an SDK would send for an example, in the SDK's own order, signature last. */
function exampleQuery(ex: Example): string {
  const pairs: [string, string][] = [
    ["auth_key", KEY],
    ["auth_timestamp", String(ex.timestamp)],
    ["auth_version", "1.0"],
  ];
  if (ex.md5 !== undefined) pairs.push(["body_md5", ex.md5]);
  pairs.push(...(ex.params ?? []), ["auth_signature", ex.signature]);
  return "?" + pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

describe.each(EXAMPLES)("%# worked example", (ex) => {
  test(`${ex.name}: body_md5, string to sign and signature`, () => {
    if (ex.md5 !== undefined) expect(md5Hex(ex.body!)).toBe(ex.md5);
    const params = parseRawQuery(exampleQuery(ex));
    const toSign = requestStringToSign(ex.method, ex.path, params);
    if (ex.toSign !== undefined) expect(toSign).toBe(ex.toSign);
    expect(hmacHex(SECRET, toSign)).toBe(ex.signature);
  });

  test(`${ex.name}: verifySignedRequest accepts it at its timestamp`, () => {
    const req = { method: ex.method, path: ex.path, rawQuery: exampleQuery(ex), rawBody: ex.body ?? "" };
    const params = verifySignedRequest(req, secretFor, ex.timestamp);
    expect(params.get("auth_signature")).toBe(ex.signature);
    for (const [k, v] of ex.params ?? []) expect(params.get(k)).toBe(v);
  });
});

test("example B's URL is what pusher@5.3.4 sent", () => {
  expect(exampleQuery(EXAMPLES[1]!)).toBe(
    `?auth_key=${KEY}&auth_timestamp=${T}&auth_version=1.0&body_md5=9d81ca16df38e05100df04b86a03071d&auth_signature=eccf256484de030dbbbee77189b69a6abdfe3c43ca417a0e4b78fbd229946eed`,
  );
});

function refusal(rawQuery: string, nowSeconds = T, rawBody = "", path = "/apps/3/events", method = "POST") {
  try {
    verifySignedRequest({ method, path, rawQuery, rawBody }, secretFor, nowSeconds);
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    return { status: (err as HttpError).status, message: (err as HttpError).message };
  }
  throw new Error("request was accepted");
}

const body = `{"name":"e","channel":"c","data":"x"}`;
const sign = (extra: Partial<Parameters<typeof signedQuery>[0]> = {}) =>
  "?" + signedQuery({ key: KEY, secret: SECRET, method: "POST", path: "/apps/3/events", body, timestamp: T, ...extra });

describe("verifySignedRequest refusals", () => {
  test("no auth parameters at all", () => {
    expect(refusal("", T, body)).toEqual({
      status: 401,
      message: "Missing authentication parameter(s): auth_key, auth_timestamp, auth_version, auth_signature",
    });
  });

  test("one auth parameter missing", () => {
    expect(refusal(sign({ tamper: { auth_version: undefined } }), T, body)).toEqual({
      status: 401,
      message: "Missing authentication parameter(s): auth_version",
    });
    expect(refusal(sign({ tamper: { auth_signature: undefined } }), T, body)).toEqual({
      status: 401,
      message: "Missing authentication parameter(s): auth_signature",
    });
  });

  test("unknown key", () => {
    expect(refusal(sign({ key: "not-a-key" }), T, body)).toEqual({ status: 401, message: "Unknown auth_key: 'not-a-key'" });
  });

  test("timestamp 601 s in the past or the future; 600 s is still fine", () => {
    expect(refusal(sign(), T + 601, body)).toEqual({
      status: 401,
      message:
        "Timestamp expired: Given timestamp (2023-11-14T22:13:20Z) not within 600s of server time (2023-11-14T22:23:21Z)",
    });
    expect(refusal(sign(), T - 601, body)).toEqual({
      status: 401,
      message:
        "Timestamp expired: Given timestamp (2023-11-14T22:13:20Z) not within 600s of server time (2023-11-14T22:03:19Z)",
    });
    expect(verifySignedRequest({ method: "POST", path: "/apps/3/events", rawQuery: sign(), rawBody: body }, secretFor, T + 600).get("auth_key")).toBe(KEY);
    expect(verifySignedRequest({ method: "POST", path: "/apps/3/events", rawQuery: sign(), rawBody: body }, secretFor, T - 600).get("auth_key")).toBe(KEY);
  });

  test("timestamp that is not a number", () => {
    expect(refusal(sign({ tamper: { auth_timestamp: "yesterday" } }), T, body)).toEqual({
      status: 401,
      message: "Timestamp expired: Given timestamp (yesterday) not within 600s of server time (2023-11-14T22:13:20Z)",
    });
  });

  test("body without body_md5", () => {
    expect(refusal(sign({ body: "" }), T, body)).toEqual({
      status: 401,
      message: "Missing body_md5: a request with a body must sign its MD5",
    });
  });

  test("body_md5 of another body", () => {
    const other = `{"name":"e","channel":"c","data":"y"}`;
    expect(refusal(sign({ body: other }), T, body)).toEqual({
      status: 401,
      message: `Invalid body_md5: the MD5 of the body is ${md5Hex(body)}, but you sent ${md5Hex(other)}`,
    });
  });

  test("wrong signature shows the string that should have been signed", () => {
    const rawQuery = sign({ secret: "not-the-secret" });
    const sent = new URLSearchParams(rawQuery).get("auth_signature");
    const toSign = `POST\n/apps/3/events\nauth_key=${KEY}&auth_timestamp=${T}&auth_version=1.0&body_md5=${md5Hex(body)}`;
    expect(refusal(rawQuery, T, body)).toEqual({
      status: 401,
      message: `Invalid signature: you should have sent HmacSHA256Hex(${JSON.stringify(toSign)}, your_secret_key), but you sent "${sent}"`,
    });
  });

  const invalid = (toSign: string, sent: string) => ({
    status: 401 as const,
    message: `Invalid signature: you should have sent HmacSHA256Hex(${JSON.stringify(toSign)}, your_secret_key), but you sent "${sent}"`,
  });
  const sentSignature = (rawQuery: string) => new URLSearchParams(rawQuery).get("auth_signature")!;
  const auth = `auth_key=${KEY}&auth_timestamp=${T}&auth_version=1.0`;

  test("a signature for another path or method is refused", () => {
    const post = sign();
    expect(refusal(post, T, body, "/apps/3/batch_events")).toEqual(
      invalid(`POST\n/apps/3/batch_events\n${auth}&body_md5=${md5Hex(body)}`, sentSignature(post)),
    );
    const get = sign({ body: undefined });
    expect(refusal(get, T, "", "/apps/3/events", "GET")).toEqual(invalid(`GET\n/apps/3/events\n${auth}`, sentSignature(get)));
  });

  test("an extra unsigned parameter breaks the signature", () => {
    const rawQuery = sign() + "&info=user_count";
    expect(refusal(rawQuery, T, body)).toEqual(
      invalid(`POST\n/apps/3/events\n${auth}&body_md5=${md5Hex(body)}&info=user_count`, sentSignature(rawQuery)),
    );
  });

  test("malformed percent-encoding is a 400", () => {
    expect(refusal(sign() + "&info=%E0%A4%A", T, body)).toEqual({
      status: 400,
      message: "Malformed query string: cannot decode '%E0%A4%A'",
    });
  });
});

describe("query decoding (§5.2 encoding differences)", () => {
  const get = (params: Record<string, string>, encodeValues: boolean) =>
    "?" + signedQuery({ key: KEY, secret: SECRET, method: "GET", path: "/apps/3/channels", params, timestamp: T, encodeValues });
  const verify = (rawQuery: string) =>
    verifySignedRequest({ method: "GET", path: "/apps/3/channels", rawQuery, rawBody: "" }, secretFor, T);

  test("PHP/Guzzle percent-encoded info verifies the same as the raw value", () => {
    const encoded = get({ info: "user_count,subscription_count" }, true);
    expect(encoded).toContain("info=user_count%2Csubscription_count");
    expect(verify(encoded).get("info")).toBe("user_count,subscription_count");
    const raw = get({ info: "user_count,subscription_count" }, false);
    expect(raw).toContain("info=user_count,subscription_count");
    expect(verify(raw).get("info")).toBe("user_count,subscription_count");
  });

  test("`+` stays a plus sign, it is not a space", () => {
    expect(parseRawQuery("?filter_by_prefix=a+b").get("filter_by_prefix")).toBe("a+b");
    expect(verify(get({ filter_by_prefix: "presence-a+b" }, false)).get("filter_by_prefix")).toBe("presence-a+b");
    // Signed as "presence-a b" but sent as '+': a form-decoding server would accept this, we must not.
    const signedWithSpace = get({ filter_by_prefix: "presence-a b" }, false).replace("presence-a b", "presence-a+b");
    expect(() => verify(signedWithSpace)).toThrow(HttpError);
  });

  test("keys are lower-cased and sorted before signing", () => {
    const params = parseRawQuery("?B=2&a=1&AUTH_KEY=k");
    expect(requestStringToSign("get", "/p", params)).toBe("GET\n/p\na=1&auth_key=k&b=2");
  });

  test("auth_signature is left out of the string to sign; empty parts are skipped", () => {
    const params = parseRawQuery("x=1&&auth_signature=abc&flag");
    expect(params.get("flag")).toBe("");
    expect(requestStringToSign("POST", "/p", params)).toBe("POST\n/p\nflag=&x=1");
  });
});
