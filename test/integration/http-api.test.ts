/**
 * Publishing through the official `pusher` SDK against the real server (§5.3, §5.4, §5.8): delivery,
 * the exact response bodies with and without `info`, socket exclusion and terminate_connections
 * (also on the path without /apps/{app_id} that pusher-http-python 3.3.3 uses).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type Pusher from "pusher";
import type { App } from "../../src/engine/app";
import { hmacHex, signChannel } from "../../src/protocol/signatures";
import { serverSdk, subscribedSocket, trackedSocket } from "../support/clients";
import { useServer } from "../support/server";
import { eventually } from "../support/wait";
import { signedFetch, type SignOptions } from "../unit/signing";

const server = useServer();
let app: App;
let sdk: Pusher;

beforeAll(async () => {
  app = server().createApp();
  sdk = serverSdk(server(), app);
});

/** A raw socket subscribed to `channel` (signed for private/presence); presence identity `userId`. */
const open = () => trackedSocket(server(), app.key);
const subscriber = (channel: string, userId?: string, userInfo?: unknown) => subscribedSocket(server(), app, channel, userId, userInfo);

const json = async (res: { json(): Promise<unknown>; status: number }) => ({ status: res.status, body: await res.json() });

describe("POST /events via pusher.trigger", () => {
  test("one channel: 200 {} and the subscriber gets the data string byte-for-byte", async () => {
    const socket = await subscriber("t-one");
    expect(await json(await sdk.trigger("t-one", "my-event", { message: "hello world" }))).toEqual({ status: 200, body: {} });
    expect(await socket.next((f) => f.event === "my-event")).toEqual({
      event: "my-event",
      channel: "t-one",
      data: `{"message":"hello world"}`,
    });
  });

  test("several channels: every channel gets its own frame", async () => {
    const a = await subscriber("t-multi-a");
    const b = await subscriber("t-multi-b");
    expect(await json(await sdk.trigger(["t-multi-a", "t-multi-b", "t-multi-c"], "ev", "plain text"))).toEqual({
      status: 200,
      body: {},
    });
    expect(await a.next((f) => f.event === "ev")).toEqual({ event: "ev", channel: "t-multi-a", data: "plain text" });
    expect(await b.next((f) => f.event === "ev")).toEqual({ event: "ev", channel: "t-multi-b", data: "plain text" });
  });

  test("with info: user_count only on presence channels, subscription_count on every channel", async () => {
    await subscriber("presence-t-info", "u1");
    await subscriber("presence-t-info", "u1");
    await subscriber("presence-t-info", "u2");
    await subscriber("t-info");
    const res = await sdk.trigger(["presence-t-info", "t-info", "t-info-empty"], "ev", {}, { info: "user_count,subscription_count" });
    expect(await json(res)).toEqual({
      status: 200,
      body: {
        channels: {
          "presence-t-info": { user_count: 2, subscription_count: 3 },
          "t-info": { subscription_count: 1 },
          "t-info-empty": { subscription_count: 0 },
        },
      },
    });
  });

  test("with info=user_count on a public channel only: the entry is {}", async () => {
    const res = await sdk.trigger(["t-uc"], "ev", {}, { info: "user_count" });
    expect(await json(res)).toEqual({ status: 200, body: { channels: { "t-uc": {} } } });
  });

  test("socket_id: that connection does not get the event, the others do", async () => {
    const excluded = await subscriber("t-exclude");
    const other = await subscriber("t-exclude");
    await sdk.trigger("t-exclude", "first", {}, { socket_id: excluded.socketId });
    await sdk.trigger("t-exclude", "second", {});
    // Frames on one channel arrive in publish order, so "second" arriving proves "first" was skipped.
    await excluded.next((f) => f.event === "second");
    expect(excluded.frames.filter((f) => f.event === "first")).toEqual([]);
    expect((await other.next((f) => f.event === "first")).channel).toBe("t-exclude");
  });
});

describe("POST /batch_events via pusher.triggerBatch", () => {
  test("200 {} and each event reaches its channel", async () => {
    const a = await subscriber("b-a");
    const b = await subscriber("b-b");
    const res = await sdk.triggerBatch([
      { channel: "b-a", name: "e1", data: `{"x":1}` },
      { channel: "b-b", name: "e2", data: "raw" },
    ]);
    expect(await json(res)).toEqual({ status: 200, body: {} });
    expect(await a.next((f) => f.event === "e1")).toEqual({ event: "e1", channel: "b-a", data: `{"x":1}` });
    expect(await b.next((f) => f.event === "e2")).toEqual({ event: "e2", channel: "b-b", data: "raw" });
  });

  test("with info: {batch:[…]} aligned by index, {} for items without info", async () => {
    await subscriber("presence-b-info", "u1");
    await subscriber("b-info");
    const res = await sdk.triggerBatch([
      { channel: "presence-b-info", name: "e", data: "1", info: "user_count,subscription_count" },
      { channel: "b-info", name: "e", data: "2" },
      { channel: "b-info", name: "e", data: "3", info: "subscription_count" },
    ] as any);
    expect(await json(res)).toEqual({
      status: 200,
      body: { batch: [{ user_count: 1, subscription_count: 1 }, {}, { subscription_count: 1 }] },
    });
  });
});

describe("atomicity", () => {
  test("a batch with one bad item publishes nothing (validated whole, §5.4)", async () => {
    const socket = await subscriber("b-atomic");
    const bad = sdk.triggerBatch([
      { channel: "b-atomic", name: "should-not-arrive", data: "1" },
      { channel: "b-atomic", name: "bad name!", data: "2" },
    ]);
    await expect(bad).rejects.toMatchObject({ status: 400 });
    await sdk.trigger("b-atomic", "marker", {});
    await socket.next((f) => f.event === "marker");
    expect(socket.frames.filter((f) => f.event === "should-not-arrive")).toEqual([]);
  });
});

describe("users", () => {
  test("sendToUser reaches a connection signed in as that user", async () => {
    const socket = await open();
    const userData = `{"id":"user-42"}`;
    const auth = `${app.key}:${hmacHex(app.secret, `${socket.socketId}::user::${userData}`)}`;
    socket.send({ event: "pusher:signin", data: { auth, user_data: userData } });
    await socket.next((f) => f.event === "pusher:signin_success");
    expect(await json(await sdk.sendToUser("user-42", "notify", { a: 1 }))).toEqual({ status: 200, body: {} });
    expect(await socket.next((f) => f.event === "notify")).toEqual({
      event: "notify",
      channel: "#server-to-user-user-42",
      data: `{"a":1}`,
    });
  });

  test("terminateUserConnections: 200 {}, the user's sockets get 4009, others stay", async () => {
    const signedIn = await open();
    const bystander = await subscriber("t-bystander");
    const userData = `{"id":"to-terminate"}`;
    const auth = `${app.key}:${hmacHex(app.secret, `${signedIn.socketId}::user::${userData}`)}`;
    signedIn.send({ event: "pusher:signin", data: { auth, user_data: userData } });
    await signedIn.next((f) => f.event === "pusher:signin_success");

    expect(await json(await sdk.terminateUserConnections("to-terminate"))).toEqual({ status: 200, body: {} });
    expect(await signedIn.next((f) => f.event === "pusher:error")).toEqual({
      event: "pusher:error",
      data: { code: 4009, message: "You got disconnected by the app." },
    });
    expect((await signedIn.closed()).code).toBe(4009);
    bystander.send({ event: "pusher:ping", data: {} });
    await bystander.next((f) => f.event === "pusher:pong");
    expect(bystander.closeCode).toBeUndefined();
  });

  test("terminating a user with no connections is still 200 {}", async () => {
    expect(await json(await sdk.terminateUserConnections("nobody"))).toEqual({ status: 200, body: {} });
  });
});

test("at the highest maxMessageBytes, a trigger whose data doubles when JSON-escaped fits the server's body limit", async () => {
  const big = server().createApp(["--max-message-bytes", "512000"]);
  const socket = await subscribedSocket(server(), big, "t-huge");
  const data = '"'.repeat(512000);
  expect(await json(await serverSdk(server(), big).trigger("t-huge", "huge", data))).toEqual({ status: 200, body: {} });
  expect((await socket.next((f) => f.event === "huge")).data).toBe(data);
});

describe("POST /users/{id}/terminate_connections (pusher-http-python 3.3.3 leaves out /apps/{app_id})", () => {
  const EMPTY = "{}";
  const python = (o: Partial<SignOptions> = {}) =>
    signedFetch(server().url, { key: app.key, secret: app.secret, method: "POST", path: "/users/py-user/terminate_connections", body: EMPTY, ...o });
  const withApp = (o: Partial<SignOptions> = {}) =>
    signedFetch(server().url, { key: app.key, secret: app.secret, method: "POST", path: `/apps/${app.id}/users/py-user/terminate_connections`, body: EMPTY, ...o });

  test("signed with the app's key: 200 {}, the user's sockets get 4009, others stay", async () => {
    const signedIn = await open();
    const bystander = await subscriber("py-bystander");
    const userData = `{"id":"py-user"}`;
    const auth = `${app.key}:${hmacHex(app.secret, `${signedIn.socketId}::user::${userData}`)}`;
    signedIn.send({ event: "pusher:signin", data: { auth, user_data: userData } });
    await signedIn.next((f) => f.event === "pusher:signin_success");

    expect(await python()).toEqual({ status: 200, body: {} });
    expect(await signedIn.next((f) => f.event === "pusher:error")).toEqual({
      event: "pusher:error",
      data: { code: 4009, message: "You got disconnected by the app." },
    });
    expect((await signedIn.closed()).code).toBe(4009);
    bystander.send({ event: "pusher:ping", data: {} });
    await bystander.next((f) => f.event === "pusher:pong");
    expect(bystander.closeCode).toBeUndefined();
  });

  test("a second key pair of the app names the same app", async () => {
    const pair = JSON.parse(server().cli(["apps", "keys", app.id, "--add", "--json"]).stdout);
    // The CLI wrote to SQLite; the server picks the new pair up through its change watcher.
    const res = await eventually(() => python({ key: pair.key, secret: pair.secret }), (r) => r.status === 200, 5000);
    expect(res).toEqual({ status: 200, body: {} });
  });

  test("bad signature, unknown key, missing parameters, stale timestamp: the same 401s as with /apps/{id}", async () => {
    const wrong = "0".repeat(64);
    const badSig = await python({ tamper: { auth_signature: wrong } });
    expect(badSig.status).toBe(401);
    expect((badSig.body as { error: string }).error).toStartWith(`Invalid signature: you should have sent HmacSHA256Hex("POST\\n/users/py-user/terminate_connections\\nauth_key=${app.key}&`);
    expect((badSig.body as { error: string }).error).toEndWith(`, your_secret_key), but you sent "${wrong}"`);
    const badSigApps = await withApp({ tamper: { auth_signature: wrong } });
    expect((badSigApps.body as { error: string }).error).toBe((badSig.body as { error: string }).error.replace("\\n/users/", `\\n/apps/${app.id}/users/`));

    for (const defect of [
      { key: "no-such-key" },
      { tamper: { auth_key: undefined, auth_signature: undefined } },
      { tamper: { auth_key: undefined } },
      { timestamp: 1_000_000_000 },
      { tamper: { body_md5: "0".repeat(32) } },
    ] as Partial<SignOptions>[]) {
      const keyless = await python(defect);
      const scoped = await withApp(defect);
      expect(keyless.status).toBe(401);
      expect(keyless).toEqual(scoped);
    }
    expect(await python({ key: "no-such-key" })).toEqual({ status: 401, body: { error: "Unknown auth_key: 'no-such-key'" } });
    expect(await python({ tamper: { auth_key: undefined } })).toEqual({ status: 401, body: { error: "Missing authentication parameter(s): auth_key" } });
  });
});
