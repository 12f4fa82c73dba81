/**
 * Per-app features across nodes (issue 11, item 4): subscription_count events, cache channels,
 * watchlist online/offline, terminate_connections, the app's connection quota (4004 for the one too
 * many, whichever node) and the HTTP API rate limit, each counted once for the whole cluster.
 */
import { afterEach, expect, test } from "bun:test";
import type PusherJS from "pusher-js";
import { pusherClient, waitFor } from "../support/clients";
import { useCluster } from "../support/cluster";
import type { TestServer } from "../support/server";
import { json, signedInSocket, until } from "./cluster-helpers";
import { cleanup, raw, serverSdk, subscribeRaw, type Socket } from "./ws-helpers";

const cluster = useCluster({ nodes: 3, startTimeoutMs: 60_000 });
const clients: PusherJS[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
  cleanup();
});

const isCount = (f: any) => f.event === "pusher_internal:subscription_count";
const countFrame = (channel: string, n: number) => ({ event: "pusher_internal:subscription_count", channel, data: JSON.stringify({ subscription_count: n }) });
const counts = (sockets: Socket[]) => Promise.all(sockets.map((s) => s.next(isCount)));

test("subscription_count: every subscriber on every node gets the cluster's count", async () => {
  const app = cluster().createApp(["--subscription-count"]);
  const ch = "counted";
  const [n0, n1, n2] = cluster().nodes;
  const [a, b, c] = await Promise.all([raw(n0!, app.key), raw(n1!, app.key), raw(n2!, app.key)]);
  await subscribeRaw(a, app, ch);
  expect(await counts([a])).toEqual([countFrame(ch, 1)]);
  await subscribeRaw(b, app, ch);
  expect(await counts([a, b])).toEqual([countFrame(ch, 2), countFrame(ch, 2)]);
  await subscribeRaw(c, app, ch);
  expect(await counts([a, b, c])).toEqual([countFrame(ch, 3), countFrame(ch, 3), countFrame(ch, 3)]);
  c.send({ event: "pusher:unsubscribe", data: { channel: ch } });
  expect(await counts([a, b])).toEqual([countFrame(ch, 2), countFrame(ch, 2)]);
  b.close();
  expect(await counts([a])).toEqual([countFrame(ch, 1)]);
  expect(a.log.filter(isCount).map((f) => JSON.parse(f.data).subscription_count)).toEqual([1, 2, 3, 2, 1]);
});

test("cache channels: a subscriber on one node gets the last event published on another; cache_miss otherwise", async () => {
  const app = cluster().createApp();
  const [n0, n1, n2] = cluster().nodes;
  await serverSdk(n0!, app).trigger("cache-price", "price", { v: 1 });
  await serverSdk(n0!, app).trigger("cache-price", "price", { v: 2 });
  for (const node of [n1!, n2!]) {
    const s = await raw(node, app.key);
    await subscribeRaw(s, app, "cache-price");
    const ok = s.log.findIndex((f) => f.event === "pusher_internal:subscription_succeeded");
    expect(await s.next((f) => f.event === "price")).toEqual({ event: "price", channel: "cache-price", data: `{"v":2}` });
    expect(s.log[ok + 1]).toEqual({ event: "price", channel: "cache-price", data: `{"v":2}` });
  }
  const empty = await raw(n2!, app.key);
  await subscribeRaw(empty, app, "cache-empty");
  expect(await empty.next((f) => f.event === "pusher:cache_miss")).toEqual({ event: "pusher:cache_miss", channel: "cache-empty" });
});

interface WatchEvent {
  name: string;
  user_ids: string[];
}

test("watchlist: online and offline of users signed in on other nodes", async () => {
  const app = cluster().createApp(["--watchlist"]);
  const [n0, n1, n2] = cluster().nodes;
  const client = (node: TestServer, user: { id: string; watchlist?: string[] }) => {
    const c = pusherClient(node, app, { user });
    clients.push(c);
    return c;
  };
  const bob = client(n1!, { id: "bob" });
  bob.signin();
  await until(() => (bob.user as any).user_data, Boolean, 10_000, "bob signed in");

  const alice = client(n0!, { id: "alice", watchlist: ["bob", "carol"] });
  const events: WatchEvent[] = [];
  alice.user.watchlist.bind("online", (e: WatchEvent) => events.push(e));
  alice.user.watchlist.bind("offline", (e: WatchEvent) => events.push(e));
  alice.signin();
  await until(() => events.length, (n) => n >= 2, 10_000, "initial watchlist status");
  expect([...events].sort((x, y) => x.name.localeCompare(y.name))).toEqual([
    { name: "offline", user_ids: ["carol"] },
    { name: "online", user_ids: ["bob"] },
  ]);

  const carol = client(n2!, { id: "carol" });
  const carolOnline = waitFor<WatchEvent>((cb) => alice.user.watchlist.bind("online", cb), 10_000);
  carol.signin();
  expect(await carolOnline).toEqual({ name: "online", user_ids: ["carol"] });

  const bobOffline = waitFor<WatchEvent>((cb) => alice.user.watchlist.bind("offline", cb), 10_000);
  bob.disconnect();
  expect(await bobOffline).toEqual({ name: "offline", user_ids: ["bob"] });
  expect(events.length).toBe(4);
});

test("terminate_connections on one node closes the user's sockets on the others with 4009", async () => {
  const app = cluster().createApp();
  const [n0, n1, n2] = cluster().nodes;
  const targets = [await signedInSocket(n1!, app, "gone"), await signedInSocket(n2!, app, "gone")];
  const bystander = await signedInSocket(n2!, app, "stays");
  expect(await json(await serverSdk(n0!, app).terminateUserConnections("gone"))).toEqual({ status: 200, body: {} });
  for (const s of targets) {
    expect(await s.next((f) => f.event === "pusher:error")).toEqual({ event: "pusher:error", data: { code: 4009, message: "You got disconnected by the app." } });
    expect((await s.closed()).code).toBe(4009);
  }
  bystander.send({ event: "pusher:ping", data: {} });
  await bystander.next((f) => f.event === "pusher:pong");
  expect(bystander.closeCode).toBeUndefined();
});

test("the app's connection quota counts every node: the one too many gets 4004 wherever it connects", async () => {
  const app = cluster().createApp(["--max-connections", "2"]);
  const [n0, n1, n2] = cluster().nodes;
  const message = "Over connection quota: the app allows 2 connections";
  const first = await raw(n0!, app.key);
  await raw(n1!, app.key);
  for (const node of [n2!, n0!]) {
    const refused = await raw(node, app.key);
    expect(refused.established).toEqual({ event: "pusher:error", data: { code: 4004, message } });
    expect(await refused.closed()).toEqual({ code: 4004, reason: message });
  }
  // A place frees up on node 0: a connection on node 2 is accepted (as soon as the count is down).
  first.close();
  const accepted = await until(
    async () => {
      const s = await raw(n2!, app.key);
      return s.established.event;
    },
    (event) => event === "pusher:connection_established",
    10_000,
  );
  expect(accepted).toBe("pusher:connection_established");
});

test("the HTTP API rate limit counts requests on every node together", async () => {
  // One second's window: a burst that does not fit in one second says nothing, so it is tried again.
  for (let attempt = 1; ; attempt++) {
    const app = cluster().createApp(["--api-requests-per-second", "3"]);
    await until(() => Date.now() % 1000, (ms) => ms < 100, 2000, "the start of a second");
    const started = Date.now();
    const results = await Promise.allSettled(cluster().nodes.flatMap((node) => [1, 2, 3].map(() => serverSdk(node, app).trigger("c", "e", "x"))));
    const inOneSecond = Math.floor(Date.now() / 1000) === Math.floor(started / 1000);
    if (!inOneSecond && attempt < 4) continue;
    expect(inOneSecond).toBe(true);
    const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
    expect(refused.length).toBe(6); // 9 requests over 3 nodes, 3 allowed in the cluster
    expect(refused[0].status).toBe(429);
    expect(JSON.parse(refused[0].body)).toEqual({ error: "Too many requests: this app allows 3 HTTP API requests per second" });
    return;
  }
});

test("connections racing on every node for the app's quota: exactly the quota is admitted", async () => {
  const app = cluster().createApp(["--max-connections", "3"]);
  const sockets = await Promise.all(cluster().nodes.flatMap((node) => [1, 2].map(() => raw(node, app.key))));
  const events = sockets.map((s) => s.established.event).sort();
  expect(events).toEqual([...Array(3).fill("pusher:connection_established"), ...Array(3).fill("pusher:error")]);
  // The refused ones took no place: once the admitted close, three new ones fit again, not a fourth.
  for (const s of sockets) s.close();
  for (const node of cluster().nodes) {
    await until(async () => (await raw(node, app.key)).established.event, (e) => e === "pusher:connection_established", 10_000, "a free place");
  }
  expect((await raw(cluster().nodes[0]!, app.key)).established).toEqual({
    event: "pusher:error",
    data: { code: 4004, message: "Over connection quota: the app allows 3 connections" },
  });
});
