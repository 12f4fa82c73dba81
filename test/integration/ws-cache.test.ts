/**
 * Cache channels (PUSHER-PROTOCOL.md §2.8, §5.6): a subscriber of an empty cache channel gets
 * pusher:cache_miss right after subscription_succeeded; after an HTTP publish, new subscribers get the
 * last event right after subscription_succeeded; client events are not cached; info=cache over HTTP.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { useServer } from "../support/server";
import {
  apiGet,
  cleanup,
  connectedClient,
  expectNoFrame,
  raw,
  serverSdk,
  subscribed,
  subscribeRaw,
  waitFor,
  type Socket,
} from "./ws-helpers";

const server = useServer({ cleanup });
let app: App;
beforeAll(async () => {
  app = server().createApp(["--client-events"]);
});

const KINDS = ["cache-x", "private-cache-x", "presence-cache-x"];
const channelData = (channel: string) => (channel.startsWith("presence-") ? '{"user_id":"u"}' : undefined);
const isReplay = (f: any) => !f.event.startsWith("pusher_internal:") && f.event !== "pusher:pong";

/** Subscribes and returns the frame that followed subscription_succeeded (the replay or the miss). */
async function subscribeAndReplay(socket: Socket, channel: string): Promise<any> {
  await subscribeRaw(socket, app, channel, channelData(channel));
  const replay = await socket.next(isReplay);
  const events = socket.log.map((f) => f.event);
  const ok = events.indexOf("pusher_internal:subscription_succeeded");
  expect(ok).toBeGreaterThanOrEqual(0);
  expect(socket.log[ok + 1]).toEqual(replay);
  return replay;
}

describe.each(KINDS)("%s", (base) => {
  test("an empty channel → pusher:cache_miss right after subscription_succeeded", async () => {
    const channel = `${base}-empty`;
    const socket = await raw(server(), app.key);
    expect(await subscribeAndReplay(socket, channel)).toEqual({ event: "pusher:cache_miss", channel });
  });

  test("after HTTP publishes, a new subscriber gets the last event (and only that one)", async () => {
    const channel = `${base}-full`;
    const sdk = serverSdk(server(), app);
    await sdk.trigger(channel, "first", { v: 1 });
    await sdk.trigger(channel, "last", '{"v": 2}');
    const socket = await raw(server(), app.key);
    expect(await subscribeAndReplay(socket, channel)).toEqual({ event: "last", channel, data: '{"v": 2}' });
    await expectNoFrame(socket, isReplay);
  });
});

test("pusher-js: channel.bind('pusher:cache_miss') fires on an empty cache channel", async () => {
  const c = await connectedClient(server(), app);
  const channel = c.subscribe("cache-js-empty");
  const missed = waitFor((cb) => channel.bind("pusher:cache_miss", () => cb(true)));
  await subscribed(channel);
  expect(await missed).toBe(true);
});

test("pusher-js: the cached event is delivered to a late subscriber's handler", async () => {
  await serverSdk(server(), app).trigger("cache-js-full", "price", { usd: 42 });
  const c = await connectedClient(server(), app);
  const channel = c.subscribe("cache-js-full");
  const got = waitFor((cb) => channel.bind("price", cb));
  await subscribed(channel);
  expect(await got).toEqual({ usd: 42 });
});

test("client events are not cached", async () => {
  const channel = "private-cache-client";
  const [a, b] = await Promise.all([raw(server(), app.key), raw(server(), app.key)]);
  await subscribeAndReplay(a, channel);
  await subscribeAndReplay(b, channel);
  a.send({ event: "client-move", channel, data: { x: 1 } });
  await b.next((f) => f.event === "client-move");
  const late = await raw(server(), app.key);
  expect(await subscribeAndReplay(late, channel)).toEqual({ event: "pusher:cache_miss", channel });
  const info = await apiGet(server(), app, `/channels/${channel}`, { info: "cache" });
  expect(info.body).toEqual({ occupied: true, cache: null });
});

describe("GET /channels/{name}?info=cache", () => {
  test("an empty cache channel → cache null", async () => {
    const info = await apiGet(server(), app, "/channels/cache-info-empty", { info: "cache" });
    expect(info).toEqual({ status: 200, body: { occupied: false, cache: null } });
  });

  test("after a publish → {occupied, cache:{event, data, ttl}}", async () => {
    await serverSdk(server(), app).trigger("cache-info-full", "stored", '{"k":"v"}');
    const before = await apiGet(server(), app, "/channels/cache-info-full", { info: "cache" });
    expect(before.status).toBe(200);
    expect(before.body.occupied).toBe(false);
    expect(Object.keys(before.body.cache).sort()).toEqual(["data", "event", "ttl"]);
    expect(before.body.cache.event).toBe("stored");
    expect(before.body.cache.data).toBe('{"k":"v"}');
    expect(before.body.cache.ttl).toBeGreaterThan(1790);
    expect(before.body.cache.ttl).toBeLessThanOrEqual(1800);

    const socket = await raw(server(), app.key);
    await subscribeRaw(socket, app, "cache-info-full");
    const after = await apiGet(server(), app, "/channels/cache-info-full", { info: "cache" });
    expect(after.body.occupied).toBe(true);
    expect(after.body.cache.event).toBe("stored");
  });
});
