/**
 * Channel subscriptions and event delivery (PUSHER-PROTOCOL.md §1.2, §2.1–§2.4, §2.6, §3.1, §3.3):
 * public/private subscribe and unsubscribe, auth failures with Pusher's messages, channel-name rules,
 * encrypted channels end to end, byte-for-byte HTTP data, and socket_id exclusion.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import type { App } from "../../src/engine/app";
import { useServer } from "../support/server";
import {
  channelAuth,
  cleanup,
  client,
  connectedClient,
  expectError,
  expectNoFrame,
  expectOpen,
  expectSubscriptionRefused,
  raw,
  serverSdk,
  subscribed,
  subscribeRaw,
  subscriptionCount,
  waitFor,
  type Socket,
} from "./ws-helpers";

const server = useServer({ cleanup });
let app: App;
/** An app with subscription counting on, for the tests that read counts over HTTP (only such apps answer). */
let counted: App;
beforeAll(async () => {
  app = server().createApp();
  counted = server().createApp(["--subscription-count"]);
});

const succeeded = (channel: string) => ({ event: "pusher_internal:subscription_succeeded", channel, data: "{}" });

/** A pusher:ping round trip: every frame sent before it has been processed by the server. */
async function sync(socket: Socket) {
  socket.send({ event: "pusher:ping", data: {} });
  await socket.next((f) => f.event === "pusher:pong");
}

describe("public channels", () => {
  test("subscribe → subscription_succeeded with data \"{}\"", async () => {
    const socket = await raw(server(), app.key);
    socket.send({ event: "pusher:subscribe", data: { auth: "", channel: "public-1" } });
    expect(await socket.next((f) => f.event === "pusher_internal:subscription_succeeded")).toEqual(succeeded("public-1"));
  });

  test("double subscribe is acknowledged again and counted once", async () => {
    const socket = await raw(server(), counted.key);
    expect(await subscribeRaw(socket, counted, "twice")).toEqual(succeeded("twice"));
    expect(await subscribeRaw(socket, counted, "twice")).toEqual(succeeded("twice"));
    expect(await subscriptionCount(server(), counted, "twice")).toBe(1);
  });

  test("unsubscribe: no acknowledgement, the count drops and events stop", async () => {
    const socket = await raw(server(), counted.key);
    await subscribeRaw(socket, counted, "leaving");
    expect(await subscriptionCount(server(), counted, "leaving")).toBe(1);
    socket.send({ event: "pusher:unsubscribe", data: { channel: "leaving" } });
    await sync(socket);
    expect(await subscriptionCount(server(), counted, "leaving")).toBe(0);
    await serverSdk(server(), counted).trigger("leaving", "after", { x: 1 });
    await expectNoFrame(socket, (f) => f.event === "after");
  });
});

describe("private channels", () => {
  test("valid auth → subscription_succeeded", async () => {
    const socket = await raw(server(), app.key);
    socket.send({ event: "pusher:subscribe", data: { auth: channelAuth(app, socket.socketId, "private-ok"), channel: "private-ok" } });
    expect(await socket.next((f) => f.event === "pusher_internal:subscription_succeeded")).toEqual(succeeded("private-ok"));
  });

  test("bad signature → Pusher's Invalid signature error and a subscription_error frame", async () => {
    const socket = await raw(server(), app.key);
    const sig = "0".repeat(64);
    socket.send({ event: "pusher:subscribe", data: { auth: `${app.key}:${sig}`, channel: "private-bad" } });
    const message = `Invalid signature: Expected HMAC SHA256 hex digest of ${socket.socketId}:private-bad, but got ${sig}`;
    await expectSubscriptionRefused(socket, "private-bad", null, message, "AuthError", 401);
  });

  test("bad signature: pusher-js fires the channel's pusher:subscription_error", async () => {
    const c = client(server(), app, {
      options: { channelAuthorization: { customHandler: (_p: unknown, cb: Function) => cb(null, { auth: `${app.key}:nope` }) } },
    });
    const channel = c.subscribe("private-js-bad");
    const error = await waitFor<any>((cb) => channel.bind("pusher:subscription_error", cb));
    const message = `Invalid signature: Expected HMAC SHA256 hex digest of ${c.connection.socket_id}:private-js-bad, but got nope`;
    expect(error).toEqual({ type: "AuthError", error: message, status: 401 });
  });

  test("the subscription_error frame's data is a JSON-encoded string, like every non-error frame (§1.2)", async () => {
    const socket = await raw(server(), app.key);
    socket.send({ event: "pusher:subscribe", data: { auth: "abc", channel: "private-encoding" } });
    await socket.next((f) => f.event === "pusher:error");
    const frame = await socket.next((f) => f.event === "pusher:subscription_error");
    expect(typeof frame.data).toBe("string");
  });

  test("auth with an unknown key → Invalid key in subscription auth data", async () => {
    const socket = await raw(server(), app.key);
    socket.send({ event: "pusher:subscribe", data: { auth: "x:abc", channel: "private-key" } });
    await expectSubscriptionRefused(socket, "private-key", null, "Invalid key in subscription auth data: 'x'", "AuthError", 401);
  });

  test("auth without a colon → Invalid format", async () => {
    const socket = await raw(server(), app.key);
    socket.send({ event: "pusher:subscribe", data: { auth: "abc", channel: "private-fmt" } });
    const message = "Invalid format: auth must have the format key:signature";
    await expectSubscriptionRefused(socket, "private-fmt", null, message, "AuthError", 401);
  });
});

describe("invalid channel names", () => {
  const rule = "A-Z a-z 0-9 _ - = @ , . ;";
  const cases: Array<[string, string, string]> = [
    ["a bad character", "bad channel!", `Invalid channel name 'bad channel!': use only the characters ${rule}`],
    ["201 characters", "c".repeat(201), "Channel name too long: 201 characters, the limit is 200"],
    ["a leading #", "#foo", `Invalid channel name '#foo': use only the characters ${rule}`],
  ];
  for (const [what, name, message] of cases) {
    test(`${what} → exact error`, async () => {
      const socket = await raw(server(), app.key);
      socket.send({ event: "pusher:subscribe", data: { auth: "", channel: name } });
      await expectSubscriptionRefused(socket, name, null, message, "BadRequest", 400);
    });
  }

  test("200 characters is accepted", async () => {
    const socket = await raw(server(), app.key);
    expect(await subscribeRaw(socket, app, "c".repeat(200))).toEqual(succeeded("c".repeat(200)));
  });
});

test("encrypted channel: pusher-js receives the event decrypted", async () => {
  const encryptionMasterKeyBase64 = randomBytes(32).toString("base64");
  const c = await connectedClient(server(), app, { encryptionMasterKeyBase64 });
  const channel = c.subscribe("private-encrypted-x");
  await subscribed(channel);
  const received = waitFor((cb) => channel.bind("secret", cb));
  await serverSdk(server(), app, { encryptionMasterKeyBase64 }).trigger("private-encrypted-x", "secret", { msg: "hidden" });
  expect(await received).toEqual({ msg: "hidden" });
});

test("encrypted channel: subscribers see only ciphertext on the wire", async () => {
  const encryptionMasterKeyBase64 = randomBytes(32).toString("base64");
  const socket = await raw(server(), app.key);
  await subscribeRaw(socket, app, "private-encrypted-wire");
  await serverSdk(server(), app, { encryptionMasterKeyBase64 }).trigger("private-encrypted-wire", "secret", { msg: "hidden" });
  const frame = await socket.next((f) => f.event === "secret");
  expect(Object.keys(JSON.parse(frame.data)).sort()).toEqual(["ciphertext", "nonce"]);
  expect(frame.data).not.toContain("hidden");
});

describe("HTTP-published data", () => {
  const cases: Array<[string, string]> = [
    ["JSON with odd spacing and non-ASCII", '{"a": 1,  "b":"é\u2028"}'],
    ["JSON with an escaped U+2028", '{"a": 1,  "b":"\\u00e9\\u2028"}'],
    ["a non-JSON string", "hello"],
  ];
  for (const [what, data] of cases) {
    test(`${what} reaches a raw subscriber byte for byte`, async () => {
      const socket = await raw(server(), app.key);
      await subscribeRaw(socket, app, "bytes");
      await serverSdk(server(), app).trigger("bytes", "raw-data", data);
      expect(await socket.next((f) => f.event === "raw-data")).toEqual({ event: "raw-data", channel: "bytes", data });
    });
  }

  test("a non-JSON string reaches pusher-js as that string", async () => {
    const c = await connectedClient(server(), app);
    const channel = c.subscribe("bytes-js");
    await subscribed(channel);
    const received = waitFor((cb) => channel.bind("text", cb));
    await serverSdk(server(), app).trigger("bytes-js", "text", "hello");
    expect(await received).toBe("hello");
  });
});

test("socket_id exclusion: the excluded socket gets nothing, the other gets the event", async () => {
  const [excluded, other] = await Promise.all([raw(server(), app.key), raw(server(), app.key)]);
  await subscribeRaw(excluded, app, "exclusion");
  await subscribeRaw(other, app, "exclusion");
  await serverSdk(server(), app).trigger("exclusion", "news", { n: 1 }, { socket_id: excluded.socketId });
  expect(await other.next((f) => f.event === "news")).toEqual({ event: "news", channel: "exclusion", data: '{"n":1}' });
  await expectNoFrame(excluded);
});
