/**
 * Channel queries through the official `pusher` SDK against the real server (§5.5–§5.7): exact bodies
 * for listed, single and presence-user queries, and the 400s for attributes a channel type lacks or
 * the app has not enabled (subscription_count without subscription counting).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type Pusher from "pusher";
import type { App } from "../../src/engine/app";
import { signChannel } from "../../src/protocol/signatures";
import { serverSdk, subscribedSocket, trackedSocket } from "../support/clients";
import { useServer } from "../support/server";
import { signedFetch } from "../unit/signing";

const server = useServer();
let app: App;
let sdk: Pusher;

beforeAll(async () => {
  // subscription_count answers only where subscription counting is on (§5.6: "app setting").
  app = server().createApp(["--subscription-count"]);
  sdk = serverSdk(server(), app);
});

const open = () => trackedSocket(server(), app.key);
const subscriber = (channel: string, userId?: string, userInfo?: unknown) => subscribedSocket(server(), app, channel, userId, userInfo);

/** GET through the SDK; errors (status ≥ 400) come back as {status, body} too. */
async function get(path: string, params: Record<string, string> = {}) {
  try {
    const res = await sdk.get({ path, params });
    return { status: res.status, body: await res.json() };
  } catch (err: any) {
    if (err?.status === undefined) throw err;
    return { status: err.status, body: JSON.parse(err.body) };
  }
}

describe("before anything is subscribed", () => {
  test("GET /channels is {\"channels\":{}} (an object, for PHP)", async () => {
    const res = await sdk.get({ path: "/channels" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`{"channels":{}}`);
  });

  test("GET /channels/NAME of an unoccupied channel is {\"occupied\":false}", async () => {
    expect(await get("/channels/nobody-here")).toEqual({ status: 200, body: { occupied: false } });
  });

  test("unoccupied channel with requested counts: zeros", async () => {
    expect(await get("/channels/presence-empty", { info: "user_count,subscription_count" })).toEqual({
      status: 200,
      body: { occupied: false, user_count: 0, subscription_count: 0 },
    });
  });

  test("users of an empty presence channel: {\"users\":[]}", async () => {
    expect(await get("/channels/presence-empty/users")).toEqual({ status: 200, body: { users: [] } });
  });
});

describe("with subscribers", () => {
  beforeAll(async () => {
    await subscriber("presence-room", "u1", { name: "A" });
    await subscriber("presence-room", "u1", { name: "A" });
    await subscriber("presence-room", "u2");
    await subscriber("presence-lobby", "u3");
    await subscriber("public-news");
    await subscriber("public-news");
    await subscriber("private-secret");
    await subscriber("cache-weather");
  });

  test("GET /channels lists occupied channels with {} values", async () => {
    expect(await get("/channels")).toEqual({
      status: 200,
      body: {
        channels: {
          "presence-room": {},
          "presence-lobby": {},
          "public-news": {},
          "private-secret": {},
          "cache-weather": {},
        },
      },
    });
  });

  test("filter_by_prefix", async () => {
    expect(await get("/channels", { filter_by_prefix: "public-" })).toEqual({
      status: 200,
      body: { channels: { "public-news": {} } },
    });
    expect(await get("/channels", { filter_by_prefix: "nothing-" })).toEqual({ status: 200, body: { channels: {} } });
  });

  test("filter_by_prefix=presence- with info=user_count", async () => {
    expect(await get("/channels", { filter_by_prefix: "presence-", info: "user_count" })).toEqual({
      status: 200,
      body: { channels: { "presence-room": { user_count: 2 }, "presence-lobby": { user_count: 1 } } },
    });
  });

  test("user_count without the presence- prefix is a 400", async () => {
    const error = "user_count can only be requested for presence channels: add filter_by_prefix=presence-";
    expect(await get("/channels", { info: "user_count" })).toEqual({ status: 400, body: { error } });
    expect(await get("/channels", { filter_by_prefix: "public-", info: "user_count" })).toEqual({ status: 400, body: { error } });
  });

  test("GET /channels/NAME: occupied, with user_count and subscription_count when asked", async () => {
    expect(await get("/channels/presence-room")).toEqual({ status: 200, body: { occupied: true } });
    expect(await get("/channels/presence-room", { info: "user_count,subscription_count" })).toEqual({
      status: 200,
      body: { occupied: true, user_count: 2, subscription_count: 3 },
    });
    expect(await get("/channels/public-news", { info: "subscription_count" })).toEqual({
      status: 200,
      body: { occupied: true, subscription_count: 2 },
    });
  });

  test("PHP-style percent-encoded info (user_count%2Csubscription_count) is accepted", async () => {
    const res = await signedFetch(server().url, {
      key: app.key,
      secret: app.secret,
      method: "GET",
      path: `/apps/${app.id}/channels/presence-room`,
      params: { info: "user_count,subscription_count" },
      encodeValues: true,
    });
    expect(res).toEqual({ status: 200, body: { occupied: true, user_count: 2, subscription_count: 3 } });
  });

  test("user_count on a public channel is a 400", async () => {
    expect(await get("/channels/public-news", { info: "user_count" })).toEqual({
      status: 400,
      body: { error: "user_count is only available for presence channels, not public-news" },
    });
  });

  test("unknown info attribute is a 400", async () => {
    expect(await get("/channels/public-news", { info: "occupied,members" })).toEqual({
      status: 400,
      body: { error: "Unknown info attribute 'occupied': use user_count, subscription_count, cache" },
    });
    expect(await get("/channels", { info: "bogus" })).toEqual({
      status: 400,
      body: { error: "Unknown info attribute 'bogus': use user_count, subscription_count" },
    });
  });

  test("cache: null when empty, then the last event with its TTL", async () => {
    expect(await get("/channels/cache-weather", { info: "cache" })).toEqual({
      status: 200,
      body: { occupied: true, cache: null },
    });
    await sdk.trigger("cache-weather", "forecast", { sky: "clear" });
    const res = await get("/channels/cache-weather", { info: "cache" });
    expect(res.status).toBe(200);
    expect(res.body.cache.ttl).toBeGreaterThan(1790);
    expect(res.body.cache.ttl).toBeLessThanOrEqual(1800);
    expect(res.body).toEqual({
      occupied: true,
      cache: { event: "forecast", data: `{"sky":"clear"}`, ttl: res.body.cache.ttl },
    });
  });

  test("cache on a non-cache channel is a 400", async () => {
    expect(await get("/channels/public-news", { info: "cache" })).toEqual({
      status: 400,
      body: { error: "cache is only available for cache channels, not public-news" },
    });
  });

  test("GET /channels/NAME/users: distinct user ids in join order", async () => {
    expect(await get("/channels/presence-room/users")).toEqual({
      status: 200,
      body: { users: [{ id: "u1" }, { id: "u2" }] },
    });
  });

  test("users of a non-presence channel is a 400", async () => {
    expect(await get("/channels/public-news/users")).toEqual({
      status: 400,
      body: { error: "Users can only be listed for presence channels, not public-news" },
    });
    expect(await get("/channels/private-secret/users")).toEqual({
      status: 400,
      body: { error: "Users can only be listed for presence channels, not private-secret" },
    });
  });

  test("an invalid channel name in the path is a 400", async () => {
    expect(await get("/channels/bad!name")).toEqual({
      status: 400,
      body: { error: "Invalid channel name 'bad!name': use only the characters A-Z a-z 0-9 _ - = @ , . ;" },
    });
  });

  test("a channel disappears from the list when its last subscriber leaves", async () => {
    const socket = await subscriber("short-lived");
    expect((await get("/channels", { filter_by_prefix: "short-" })).body).toEqual({ channels: { "short-lived": {} } });
    socket.send({ event: "pusher:unsubscribe", data: { channel: "short-lived" } });
    socket.send({ event: "pusher:ping", data: {} });
    await socket.next((f) => f.event === "pusher:pong"); // the unsubscribe was processed before the ping
    expect(await get("/channels", { filter_by_prefix: "short-" })).toEqual({ status: 200, body: { channels: {} } });
    expect(await get("/channels/short-lived")).toEqual({ status: 200, body: { occupied: false } });
  });
});

describe("an app without subscription counting", () => {
  const COUNTING_OFF = "subscription_count is not available: subscription counting is not enabled for this app";
  let plain: App;
  let plainSdk: Pusher;
  beforeAll(async () => {
    plain = server().createApp();
    plainSdk = serverSdk(server(), plain);
    await subscribedSocket(server(), plain, "plain-news");
  });
  const plainGet = async (path: string, params: Record<string, string> = {}) => {
    try {
      const res = await plainSdk.get({ path, params });
      return { status: res.status, body: await res.json() };
    } catch (err: any) {
      if (err?.status === undefined) throw err;
      return { status: err.status, body: JSON.parse(err.body) };
    }
  };

  test("info=subscription_count on one channel is a 400 saying counting is off", async () => {
    expect(await plainGet("/channels/plain-news", { info: "subscription_count" })).toEqual({ status: 400, body: { error: COUNTING_OFF } });
    expect(await plainGet("/channels/presence-x", { info: "user_count,subscription_count" })).toEqual({ status: 400, body: { error: COUNTING_OFF } });
  });

  test("info=subscription_count on the channel list is the same 400", async () => {
    expect(await plainGet("/channels", { info: "subscription_count" })).toEqual({ status: 400, body: { error: COUNTING_OFF } });
  });

  test("the other queries still answer", async () => {
    expect(await plainGet("/channels/plain-news")).toEqual({ status: 200, body: { occupied: true } });
    expect(await plainGet("/channels")).toEqual({ status: 200, body: { channels: { "plain-news": {} } } });
  });
});
