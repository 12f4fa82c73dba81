/**
 * User features (PUSHER-PROTOCOL.md §3.2, §3.4, §3.5, §3.7): pusher:signin, server-to-user events to
 * every connection of a user, the per-user channel, sign-in failures (4009, socket stays open),
 * presence identity from sign-in, terminating a user's connections, signing in again after reconnect.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type PusherJS from "pusher-js";
import type { App } from "../../src/engine/app";
import { useServer } from "../support/server";
import {
  cleanup,
  connectedClient,
  decode,
  expectError,
  expectNoFrame,
  expectOpen,
  expectSubscriptionRefused,
  raw,
  roundTrip,
  serverSdk,
  type Socket,
  stateReached,
  subscribed,
  subscribeRaw,
  userAuth,
  waitFor,
} from "./ws-helpers";

const server = useServer({ cleanup });
let app: App;
beforeAll(async () => {
  app = server().createApp();
});

/** A pusher-js client signed in as `id` (waits for pusher:signin_success). */
async function signedIn(id: string, info?: unknown): Promise<PusherJS> {
  const c = await connectedClient(server(), app, { user: { id, user_info: info } });
  c.signin();
  await (c.user as any).signinDonePromise;
  return c;
}

/** Raw sign-in; returns the signin_success frame. */
async function rawSignin(socket: Socket, userData: string): Promise<any> {
  socket.send({ event: "pusher:signin", data: { auth: userAuth(app, socket.socketId, userData), user_data: userData } });
  return socket.next((f) => f.event === "pusher:signin_success");
}

describe("sign-in", () => {
  test("raw: pusher:signin_success carries the same user_data string", async () => {
    const socket = await raw(server(), app.key);
    const userData = '{"id":"raw-user", "user_info":{"name":"R"}}';
    const frame = await rawSignin(socket, userData);
    expect(typeof frame.data).toBe("string");
    expect(JSON.parse(frame.data)).toEqual({ user_data: userData });
  });

  test("pusher-js signin() succeeds and user.bind receives server-to-user events", async () => {
    const c = await signedIn("alice", { name: "Alice" });
    expect((c.user as any).user_data).toEqual({ id: "alice", user_info: { name: "Alice" } });
    const got = waitFor((cb) => c.user.bind("notify", cb));
    await serverSdk(server(), app).sendToUser("alice", "notify", { hello: 1 });
    expect(await got).toEqual({ hello: 1 });
  });

  test("server-to-user events reach every connection of the user and no other user", async () => {
    const [tab1, tab2, other] = await Promise.all([signedIn("bob"), signedIn("bob"), signedIn("carol")]);
    const strays: unknown[] = [];
    other.user.bind_global((event: string, data: unknown) => strays.push([event, data]));
    const got1 = waitFor((cb) => tab1.user.bind("ping-bob", cb));
    const got2 = waitFor((cb) => tab2.user.bind("ping-bob", cb));
    await serverSdk(server(), app).sendToUser("bob", "ping-bob", { n: 2 });
    expect(await Promise.all([got1, got2])).toEqual([{ n: 2 }, { n: 2 }]);
    // The event was sent to bob's sockets in one go; a stray copy for carol would have been queued
    // before the pong that answers this ping.
    await roundTrip(other);
    expect(strays).toEqual([]);
  });

  test("raw: the server-to-user frame names the user channel", async () => {
    const socket = await raw(server(), app.key);
    await rawSignin(socket, '{"id":"dave"}');
    await serverSdk(server(), app).sendToUser("dave", "note", "plain text");
    expect(await socket.next((f) => f.event === "note")).toEqual({ event: "note", channel: "#server-to-user-dave", data: "plain text" });
  });
});

describe("the per-user channel", () => {
  test("subscribing to your own #server-to-user- channel succeeds", async () => {
    const socket = await raw(server(), app.key);
    await rawSignin(socket, '{"id":"erin"}');
    socket.send({ event: "pusher:subscribe", data: { auth: "", channel: "#server-to-user-erin" } });
    const frame = await socket.next((f) => f.event === "pusher_internal:subscription_succeeded");
    expect(frame).toEqual({ event: "pusher_internal:subscription_succeeded", channel: "#server-to-user-erin", data: "{}" });
  });

  test("subscribing to another user's channel is refused", async () => {
    const socket = await raw(server(), app.key);
    await rawSignin(socket, '{"id":"erin"}');
    socket.send({ event: "pusher:subscribe", data: { auth: "", channel: "#server-to-user-frank" } });
    const message = "Subscription to #server-to-user-frank refused: the connection is not signed in as user 'frank'";
    await expectSubscriptionRefused(socket, "#server-to-user-frank", 4009, message, "AuthError", 401);
  });

  test("subscribing without signing in is refused", async () => {
    const socket = await raw(server(), app.key);
    socket.send({ event: "pusher:subscribe", data: { auth: "", channel: "#server-to-user-frank" } });
    const message = "Subscription to #server-to-user-frank refused: the connection is not signed in as user 'frank'";
    await expectSubscriptionRefused(socket, "#server-to-user-frank", 4009, message, "AuthError", 401);
  });
});

describe("sign-in failures: pusher:error 4009, the socket stays open", () => {
  test("bad signature", async () => {
    const socket = await raw(server(), app.key);
    const userData = '{"id":"mallory"}';
    socket.send({ event: "pusher:signin", data: { auth: `${app.key}:deadbeef`, user_data: userData } });
    const toSign = `${socket.socketId}::user::${userData}`;
    await expectError(socket, 4009, `Sign-in failed: Invalid signature: Expected HMAC SHA256 hex digest of ${toSign}, but got deadbeef`);
    await expectOpen(socket);
    // Not signed in: server-to-user events for that id do not arrive.
    await serverSdk(server(), app).sendToUser("mallory", "secret", {});
    await expectNoFrame(socket);
  });

  test("user_data without an id", async () => {
    const socket = await raw(server(), app.key);
    const userData = '{"user_info":{}}';
    socket.send({ event: "pusher:signin", data: { auth: userAuth(app, socket.socketId, userData), user_data: userData } });
    await expectError(socket, 4009, "Sign-in failed: 'user_data.id' must be a non-empty string");
    await expectOpen(socket);
  });

  test("a second sign-in with another id", async () => {
    const socket = await raw(server(), app.key);
    await rawSignin(socket, '{"id":"first"}');
    const userData = '{"id":"second"}';
    socket.send({ event: "pusher:signin", data: { auth: userAuth(app, socket.socketId, userData), user_data: userData } });
    await expectError(socket, 4009, "Sign-in failed: this connection is already signed in as 'first'");
    await expectOpen(socket);
    await serverSdk(server(), app).sendToUser("first", "still-first", {});
    await socket.next((f) => f.event === "still-first");
  });
});

test("presence without channel_data uses the signed-in identity", async () => {
  const c = await connectedClient(server(), app, { presence: null, user: { id: "gina", user_info: { name: "Gina" } } });
  c.signin();
  const channel = c.subscribe("presence-signed") as any;
  const data = await subscribed(channel);
  expect(data.count).toBe(1);
  expect(channel.members.me).toEqual({ id: "gina", info: { name: "Gina" } });
  const watcher = await raw(server(), app.key);
  const frame = await subscribeRaw(watcher, app, "presence-signed", '{"user_id":"w"}');
  expect(decode(frame.data).presence.hash).toEqual({ gina: { name: "Gina" }, w: null });
});

test("terminateUserConnections closes that user's sockets with 4009; others untouched; sign-in works after reconnect", async () => {
  const victimJs = await signedIn("henry");
  const victimRaw = await raw(server(), app.key);
  await rawSignin(victimRaw, '{"id":"henry"}');
  const bystander = await raw(server(), app.key);
  await rawSignin(bystander, '{"id":"ivy"}');
  const presenceOnly = await raw(server(), app.key);
  await subscribeRaw(presenceOnly, app, "presence-t", '{"user_id":"henry"}');

  const jsError = waitFor<any>((cb) => victimJs.connection.bind("error", cb));
  await serverSdk(server(), app).terminateUserConnections("henry");

  await expectError(victimRaw, 4009, "You got disconnected by the app.");
  expect(await victimRaw.closed()).toEqual({ code: 4009, reason: "You got disconnected by the app." });
  // pusher-js reports the pusher:error frame first (then the 4009 close, and gives up: §1.5).
  expect(await jsError).toEqual({ type: "PusherError", data: { code: 4009, message: "You got disconnected by the app." } });
  await stateReached(victimJs, "disconnected");
  await expectOpen(bystander);
  await expectOpen(presenceOnly); // presence identity is not a sign-in (§3.7)

  // The user may come back: pusher-js signs in again on reconnect.
  victimJs.connect();
  await stateReached(victimJs, "connected");
  await (victimJs.user as any).signinDonePromise;
  const got = waitFor((cb) => victimJs.user.bind("welcome-back", cb));
  await serverSdk(server(), app).sendToUser("henry", "welcome-back", { ok: 1 });
  expect(await got).toEqual({ ok: 1 });
});
