/**
 * The HTTP API's guard against the real server (§5.1, §5.2): unknown apps, every signature failure,
 * disabled apps and unknown routes, with raw requests signed by the test (test/unit/signing.ts).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { requestStringToSign } from "../../src/protocol/http-signature";
import { hmacHex, md5Hex } from "../../src/protocol/signatures";
import { useServer } from "../support/server";
import { signedFetch, type SignOptions } from "../unit/signing";

const server = useServer();
let app: App;
let other: App;
let disabled: App;

beforeAll(async () => {
  app = server().createApp();
  other = server().createApp();
  disabled = server().createApp(["--disabled"]);
});

const BODY = `{"name":"my-event","channel":"my-channel","data":"{}"}`;

function trigger(overrides: Partial<SignOptions> = {}, target: App = app) {
  return signedFetch(server().url, {
    key: target.key,
    secret: target.secret,
    method: "POST",
    path: `/apps/${target.id}/events`,
    body: BODY,
    ...overrides,
  });
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

test("a correctly signed request is accepted (baseline for the cases below)", async () => {
  expect(await trigger()).toEqual({ status: 200, body: {} });
});

describe("unknown app", () => {
  test("404 with the id", async () => {
    expect(await trigger({ path: "/apps/9999999/events" })).toEqual({
      status: 404,
      body: { error: "App not found: '9999999'" },
    });
  });

  test("another app's key and secret do not work on this app id", async () => {
    expect(await trigger({ key: other.key, secret: other.secret })).toEqual({
      status: 401,
      body: { error: `Unknown auth_key: '${other.key}'` },
    });
  });
});

describe("signature failures (401)", () => {
  test("no auth parameters", async () => {
    const res = await fetch(`${server().url}/apps/${app.id}/events`, { method: "POST", body: BODY });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 401,
      body: { error: "Missing authentication parameter(s): auth_key, auth_timestamp, auth_version, auth_signature" },
    });
  });

  test("one auth parameter missing", async () => {
    expect(await trigger({ tamper: { auth_timestamp: undefined } })).toEqual({
      status: 401,
      body: { error: "Missing authentication parameter(s): auth_timestamp" },
    });
  });

  test("wrong secret: the message shows the string to sign and the signature sent", async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const params = new Map([
      ["auth_key", app.key],
      ["auth_timestamp", String(timestamp)],
      ["auth_version", "1.0"],
      ["body_md5", md5Hex(BODY)],
    ]);
    const toSign = requestStringToSign("POST", `/apps/${app.id}/events`, params);
    const sent = hmacHex("wrong-secret", toSign);
    expect(await trigger({ secret: "wrong-secret", timestamp })).toEqual({
      status: 401,
      body: {
        error: `Invalid signature: you should have sent HmacSHA256Hex(${JSON.stringify(toSign)}, your_secret_key), but you sent "${sent}"`,
      },
    });
  });

  test("a parameter added after signing breaks the signature", async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signed = new Map([
      ["auth_key", app.key],
      ["auth_timestamp", String(timestamp)],
      ["auth_version", "1.0"],
      ["body_md5", md5Hex(BODY)],
    ]);
    const sent = hmacHex(app.secret, requestStringToSign("POST", `/apps/${app.id}/events`, signed));
    const toSign = requestStringToSign("POST", `/apps/${app.id}/events`, new Map([...signed, ["socket_id", "1.1"]]));
    expect(await trigger({ timestamp, tamper: { socket_id: "1.1" } })).toEqual({
      status: 401,
      body: {
        error: `Invalid signature: you should have sent HmacSHA256Hex(${JSON.stringify(toSign)}, your_secret_key), but you sent "${sent}"`,
      },
    });
  });

  test.each([
    ["expired (1 hour old)", -3600],
    ["601 s old", -601],
    ["601 s in the future", 601],
  ])("timestamp %s", async (_what, offset) => {
    const before = Math.floor(Date.now() / 1000);
    const timestamp = before + offset;
    const res = await trigger({ timestamp });
    const after = Math.floor(Date.now() / 1000);
    const expected = (now: number) => ({
      status: 401,
      body: { error: `Timestamp expired: Given timestamp (${iso(timestamp)}) not within 600s of server time (${iso(now)})` },
    });
    expect([expected(before), expected(after)] as unknown[]).toContainEqual(res);
  });

  test("599 s old is still accepted", async () => {
    expect(await trigger({ timestamp: Math.floor(Date.now() / 1000) - 599 })).toEqual({ status: 200, body: {} });
  });

  test("body_md5 that does not match the body", async () => {
    const wrong = md5Hex("something else");
    expect(await trigger({ tamper: { body_md5: wrong } })).toEqual({
      status: 401,
      body: { error: `Invalid body_md5: the MD5 of the body is ${md5Hex(BODY)}, but you sent ${wrong}` },
    });
  });

  test("a body without body_md5", async () => {
    expect(await trigger({ tamper: { body_md5: undefined } })).toEqual({
      status: 401,
      body: { error: "Missing body_md5: a request with a body must sign its MD5" },
    });
  });

  test("GET endpoints are signed too", async () => {
    const res = await fetch(`${server().url}/apps/${app.id}/channels`);
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 401,
      body: { error: "Missing authentication parameter(s): auth_key, auth_timestamp, auth_version, auth_signature" },
    });
  });

  test("malformed percent-encoding in the query is a 400", async () => {
    const res = await fetch(`${server().url}/apps/${app.id}/channels?info=%E0%A4%A`);
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 400,
      body: { error: "Malformed query string: cannot decode '%E0%A4%A'" },
    });
  });
});

describe("disabled app", () => {
  test("a correctly signed request gets 403", async () => {
    expect(await trigger({}, disabled)).toEqual({ status: 403, body: { error: "App is disabled" } });
  });

  test("the signature is still checked first: a bad one is 401", async () => {
    expect((await trigger({ secret: "wrong-secret" }, disabled)).status).toBe(401);
  });

  test("GET queries of a disabled app get 403 as well", async () => {
    const res = await signedFetch(server().url, {
      key: disabled.key,
      secret: disabled.secret,
      method: "GET",
      path: `/apps/${disabled.id}/channels`,
    });
    expect(res).toEqual({ status: 403, body: { error: "App is disabled" } });
  });
});

describe("unknown routes", () => {
  test.each([
    ["GET", "/apps/1/nope"],
    ["GET", "/apps/1/events"],
    ["DELETE", "/apps/1/channels"],
  ])("%s %s is a 404 in the API's JSON error envelope", async (method, path) => {
    const res = await fetch(server().url + path, { method });
    // Every refusal of the Pusher HTTP API is `{"error": "..."}` (respond.ts; one envelope, STYLE.md).
    expect(res.headers.get("content-type")).toStartWith("application/json");
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 404,
      body: { error: `Not found: ${method} ${path}` },
    });
  });
});

describe("the server's root and favicon", () => {
  test("GET / is a 302 to the dashboard's apps list (which sends a signed-out visitor on to sign-in)", async () => {
    const res = await fetch(`${server().url}/`, { redirect: "manual" });
    expect({ status: res.status, location: res.headers.get("location"), body: await res.text() }).toEqual({
      status: 302,
      location: "/dashboard/apps",
      body: "",
    });
  });

  test("GET /favicon.ico is the embedded SVG icon, the same file the pages link to", async () => {
    const res = await fetch(`${server().url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml");
    const icon = await res.text();
    expect(icon).toStartWith('<svg xmlns="http://www.w3.org/2000/svg"');
    const linked = await fetch(`${server().url}/dashboard/assets/favicon.svg`);
    expect({ status: linked.status, type: linked.headers.get("content-type"), body: await linked.text() }).toEqual({
      status: 200,
      type: "image/svg+xml",
      body: icon,
    });
    // Revalidation works as for the other embedded assets.
    const again = await fetch(`${server().url}/favicon.ico`, { headers: { "if-none-match": res.headers.get("etag")! } });
    expect(again.status).toBe(304);
  });

  test("the login page links the icon", async () => {
    const html = await (await fetch(`${server().url}/dashboard/login`)).text();
    expect(html).toContain('<link rel="icon" href="/dashboard/assets/favicon.svg" type="image/svg+xml"');
  });

  test("other unknown paths are still the JSON 404", async () => {
    const res = await fetch(`${server().url}/favicon.png`);
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 404, body: { error: "Not found: GET /favicon.png" } });
  });
});
