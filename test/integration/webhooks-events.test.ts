/**
 * Every webhook event type (PUSHER-PROTOCOL.md §6.3) produced by real pusher-js activity, each request
 * checked with the official `pusher` SDK's webhook().isValid() and for the exact headers of §6.1.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import type { App } from "../../src/engine/app";
import { connected, pusherClient, serverSdk, waitFor } from "../support/clients";
import { useServer } from "../support/server";
import { addEndpoint, createApp, FAST_ENV, newDataDir, Receiver, storeEnv } from "./webhooks-helpers";

const ALL = "channel_occupied,channel_vacated,member_added,member_removed,client_event,cache_miss,subscription_count";
let app: App;
let dataDir: string;
const receiver = new Receiver().start();

beforeAll(async () => {
  dataDir = await newDataDir();
  app = createApp(dataDir, ["--client-events", "--subscription-count"]);
  receiver.trust(app);
  addEndpoint(dataDir, app, receiver.url, ["--events", ALL]);
});
// The data dir with its apps and endpoints exists once the beforeAll above has run.
const server = useServer(() => ({ dataDir, env: { ...FAST_ENV, ...storeEnv(dataDir) } }));
afterAll(() => {
  receiver.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const subscribed = (channel: any) => waitFor((cb) => channel.bind("pusher:subscription_succeeded", cb), 5000, "subscription");

describe("webhook requests", () => {
  test("channel_occupied, then channel_vacated after the delay; exact headers, valid signature", async () => {
    const client = pusherClient(server(), app);
    try {
      await connected(client);
      await subscribed(client.subscribe("public-room"));
      const occupied = await receiver.event((e) => e.name === "channel_occupied" && e.channel === "public-room");
      expect(occupied).toEqual({ name: "channel_occupied", channel: "public-room" });
      const left = Date.now();
      client.unsubscribe("public-room");
      const vacated = await receiver.event((e) => e.name === "channel_vacated" && e.channel === "public-room");
      expect(vacated).toEqual({ name: "channel_vacated", channel: "public-room" });
      const request = receiver.requests.find((r) => r.body.events.includes(vacated))!;
      expect(request.at - left).toBeGreaterThanOrEqual(250); // held for MAWJLY_WEBHOOK_DELAY_MS=300
      for (const r of receiver.requests) {
        expect(r.valid).toBe(true);
        expect(r.contentType).toBe("application/json");
        expect(r.key).toBe(app.key);
        expect(Number.isInteger(r.body.time_ms)).toBe(true);
        expect(Object.keys(r.body)).toEqual(["time_ms", "events"]);
      }
    } finally {
      client.disconnect();
    }
  });

  test("member_added and member_removed on a presence channel", async () => {
    const alice = pusherClient(server(), app, { presence: { user_id: "alice", user_info: { name: "Alice" } } });
    const bob = pusherClient(server(), app, { presence: { user_id: "bob" } });
    try {
      await Promise.all([connected(alice), connected(bob)]);
      await subscribed(alice.subscribe("presence-lobby"));
      await subscribed(bob.subscribe("presence-lobby"));
      await receiver.event((e) => e.name === "member_added" && e.user_id === "alice");
      expect(await receiver.event((e) => e.name === "member_added" && e.user_id === "bob")).toEqual({
        name: "member_added",
        channel: "presence-lobby",
        user_id: "bob",
      });
      bob.disconnect();
      expect(await receiver.event((e) => e.name === "member_removed" && e.user_id === "bob")).toEqual({
        name: "member_removed",
        channel: "presence-lobby",
        user_id: "bob",
      });
    } finally {
      alice.disconnect();
      bob.disconnect();
    }
  });

  test("client_event: data as a string, socket_id, and user_id only on presence channels", async () => {
    const sender = pusherClient(server(), app, { presence: { user_id: "carol" } });
    const other = pusherClient(server(), app, { presence: { user_id: "dave" } });
    try {
      await Promise.all([connected(sender), connected(other)]);
      const priv = sender.subscribe("private-chat");
      const pres = sender.subscribe("presence-chat");
      await Promise.all([subscribed(priv), subscribed(pres)]);
      priv.trigger("client-typing", { who: "carol", n: 1 });
      pres.trigger("client-wave", { hi: true });
      const socketId = sender.connection.socket_id;
      expect(await receiver.event((e) => e.name === "client_event" && e.channel === "private-chat")).toEqual({
        name: "client_event",
        channel: "private-chat",
        event: "client-typing",
        data: JSON.stringify({ who: "carol", n: 1 }),
        socket_id: socketId,
      });
      expect(await receiver.event((e) => e.name === "client_event" && e.channel === "presence-chat")).toEqual({
        name: "client_event",
        channel: "presence-chat",
        event: "client-wave",
        data: JSON.stringify({ hi: true }),
        socket_id: socketId,
        user_id: "carol",
      });
    } finally {
      sender.disconnect();
      other.disconnect();
    }
  });

  test("cache_miss when a cache channel has nothing cached", async () => {
    const client = pusherClient(server(), app);
    try {
      await connected(client);
      const channel = client.subscribe("cache-prices");
      await waitFor((cb) => channel.bind("pusher:cache_miss", cb), 5000, "cache miss frame");
      expect(await receiver.event((e) => e.name === "cache_miss")).toEqual({ name: "cache_miss", channel: "cache-prices" });
    } finally {
      client.disconnect();
    }
  });

  test("subscription_count as an integer", async () => {
    const a = pusherClient(server(), app);
    const b = pusherClient(server(), app);
    try {
      await Promise.all([connected(a), connected(b)]);
      await subscribed(a.subscribe("counted"));
      await subscribed(b.subscribe("counted"));
      const two = await receiver.event((e) => e.name === "subscription_count" && e.channel === "counted" && e.subscription_count === 2);
      expect(two).toEqual({ name: "subscription_count", channel: "counted", subscription_count: 2 });
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  test("HTTP API publishes and server-to-user channels produce no webhooks", async () => {
    const client = pusherClient(server(), app, { user: { id: "erin" } });
    try {
      await connected(client);
      client.signin();
      await (client.user as any).signinDonePromise;
      const note = waitFor((cb) => client.user.bind("note", cb), 5000, "server-to-user event");
      await serverSdk(server(), app).sendToUser("erin", "note", { x: 1 });
      await serverSdk(server(), app).trigger("public-no-webhook", "ev", { y: 2 });
      await note;
      await subscribed(client.subscribe("marker-after-user"));
      await receiver.event((e) => e.channel === "marker-after-user");
      expect(receiver.delivered().some((e) => String(e.channel).startsWith("#server-to-user-"))).toBe(false);
    } finally {
      client.disconnect();
    }
  });
});
