/**
 * Cluster fan-out (issue 11, item 1): a publish made on any node — HTTP trigger, batch trigger, client
 * event, sendToUser, the management API's event creator — reaches every subscriber on every node
 * exactly once, in publish order, with socket_id exclusion wherever the excluded socket lives; and a
 * node takes a channel's traffic from Redis only while it has a local subscriber.
 */
import { afterEach, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { useCluster } from "../support/cluster";
import type { TestServer } from "../support/server";
import { adminOn, json, numsub, signedInSocket, until } from "./cluster-helpers";
import { cleanup, connectedClient, raw, serverSdk, subscribed, subscribeRaw, type Socket } from "./ws-helpers";

const cluster = useCluster({ nodes: 3, startTimeoutMs: 60_000 });
afterEach(cleanup);

/** One raw subscriber of `channel` on every node. */
async function subscriberPerNode(app: App, channel: string): Promise<Socket[]> {
  return Promise.all(
    cluster().nodes.map(async (node) => {
      const s = await raw(node, app.key);
      await subscribeRaw(s, app, channel);
      return s;
    }),
  );
}

/**
 * Publishes a marker from `node` and waits for it on every socket: anything `node` published to the
 * channel before has then arrived (one publisher's order is kept), so counts are final.
 */
async function settle(node: TestServer, app: App, channel: string, sockets: Socket[]): Promise<void> {
  const id = crypto.randomUUID();
  await serverSdk(node, app).trigger(channel, "marker", { id });
  await Promise.all(sockets.map((s) => s.next((f) => f.event === "marker" && JSON.parse(f.data).id === id, 10_000)));
}

const named = (s: Socket, event: string) => s.log.filter((f) => f.event === event);

test("an HTTP trigger on any node reaches every subscriber on every node exactly once", async () => {
  const app = cluster().createApp();
  const subs = await subscriberPerNode(app, "news");
  for (const [i, node] of cluster().nodes.entries()) {
    expect(await json(await serverSdk(node, app).trigger("news", `from-${i}`, { i }))).toEqual({ status: 200, body: {} });
    for (const s of subs) expect(await s.next((f) => f.event === `from-${i}`)).toEqual({ event: `from-${i}`, channel: "news", data: JSON.stringify({ i }) });
    await settle(node, app, "news", subs);
    for (const s of subs) expect(named(s, `from-${i}`).length).toBe(1);
  }
});

test("100 numbered events from one publisher arrive in order, once each, on every node (raw and pusher-js)", async () => {
  const app = cluster().createApp();
  const subs = await subscriberPerNode(app, "ordered");
  const received: unknown[][] = [];
  for (const node of cluster().nodes) {
    const channel = (await connectedClient(node, app)).subscribe("ordered");
    await subscribed(channel);
    const got: unknown[] = [];
    channel.bind("n", (data: unknown) => got.push(data));
    received.push(got);
  }
  const sdk = serverSdk(cluster().nodes[1]!, app);
  for (let n = 0; n < 100; n++) await sdk.trigger("ordered", "n", String(n));
  await settle(cluster().nodes[1]!, app, "ordered", subs);
  const expected = Array.from({ length: 100 }, (_, n) => String(n));
  for (const s of subs) expect(named(s, "n").map((f) => f.data)).toEqual(expected);
  await until(() => received.map((r) => r.length), (lengths) => lengths.every((l) => l >= 100), 10_000, "pusher-js received 100");
  const parsed = expected.map(Number); // pusher-js parses the data as JSON
  expect(received).toEqual([parsed, parsed, parsed]);
});

test("a batch trigger on one node reaches subscribers of each of its channels on the other nodes", async () => {
  const app = cluster().createApp();
  const [a0, a1, a2] = await subscriberPerNode(app, "batch-a");
  const b2 = await raw(cluster().nodes[2]!, app.key);
  await subscribeRaw(b2, app, "batch-b");
  const batch = [
    { channel: "batch-a", name: "first", data: "1" },
    { channel: "batch-b", name: "second", data: "2" },
  ];
  expect(await json(await serverSdk(cluster().nodes[0]!, app).triggerBatch(batch))).toEqual({ status: 200, body: {} });
  for (const s of [a0!, a1!, a2!]) expect(await s.next((f) => f.event === "first")).toEqual({ event: "first", channel: "batch-a", data: "1" });
  expect(await b2.next((f) => f.event === "second")).toEqual({ event: "second", channel: "batch-b", data: "2" });
  await settle(cluster().nodes[0]!, app, "batch-a", [a0!, a1!, a2!]);
  for (const s of [a0!, a1!, a2!]) expect(named(s, "first").length).toBe(1);
  expect(a2!.log.filter((f) => f.event === "second")).toEqual([]); // another channel's event
});

test("socket_id exclusion works wherever the excluded socket lives", async () => {
  const app = cluster().createApp();
  const subs = await subscriberPerNode(app, "excl");
  for (const [i, excluded] of subs.entries()) {
    const publisher = cluster().nodes[(i + 1) % 3]!; // never the excluded socket's own node
    await serverSdk(publisher, app).trigger("excl", `skip-${i}`, "x", { socket_id: excluded.socketId });
    await settle(publisher, app, "excl", subs);
    for (const [j, s] of subs.entries()) expect(named(s, `skip-${i}`).length).toBe(i === j ? 0 : 1);
  }
});

test("a client event from a socket on one node reaches the others' subscribers, not its sender", async () => {
  const app = cluster().createApp(["--client-events"]);
  const subs = await subscriberPerNode(app, "private-chat");
  const sender = subs[0]!;
  sender.send({ event: "client-typing", channel: "private-chat", data: `{"who":"a"}` });
  for (const s of subs.slice(1)) {
    const frame = await s.next((f) => f.event === "client-typing");
    expect(frame).toEqual({ event: "client-typing", channel: "private-chat", data: `{"who":"a"}` });
  }
  await settle(cluster().nodes[0]!, app, "private-chat", subs);
  expect(named(sender, "client-typing")).toEqual([]);
  for (const s of subs.slice(1)) expect(named(s, "client-typing").length).toBe(1);
});

test("a client event on a presence channel carries the sender's user_id to the other nodes", async () => {
  const app = cluster().createApp(["--client-events"]);
  const [n0, n1] = cluster().nodes;
  const [a, b] = [await raw(n0!, app.key), await raw(n1!, app.key)];
  await subscribeRaw(a, app, "presence-chat", '{"user_id":"ann"}');
  await subscribeRaw(b, app, "presence-chat", '{"user_id":"bob"}');
  a.send({ event: "client-hi", channel: "presence-chat", data: "{}" });
  expect(await b.next((f) => f.event === "client-hi")).toEqual({ event: "client-hi", channel: "presence-chat", data: "{}", user_id: "ann" });
});

test("sendToUser on one node reaches the user's sockets on the other nodes, once each", async () => {
  const app = cluster().createApp();
  const [, n1, n2] = cluster().nodes;
  const sockets = [await signedInSocket(n1!, app, "dana"), await signedInSocket(n2!, app, "dana")];
  const other = await signedInSocket(n2!, app, "eli");
  expect(await json(await serverSdk(cluster().nodes[0]!, app).sendToUser("dana", "notify", { a: 1 }))).toEqual({ status: 200, body: {} });
  for (const s of sockets) expect(await s.next((f) => f.event === "notify")).toEqual({ event: "notify", channel: "#server-to-user-dana", data: `{"a":1}` });
  // A second message proves the first was not repeated (one publisher, one order).
  await serverSdk(cluster().nodes[0]!, app).sendToUser("dana", "notify-2", {});
  for (const s of sockets) await s.next((f) => f.event === "notify-2");
  for (const s of sockets) expect(named(s, "notify").length).toBe(1);
  expect(other.log.filter((f) => f.event === "notify")).toEqual([]);
});

test("POST /api/v1/apps/:id/events on one node reaches subscribers on every node once", async () => {
  const app = cluster().createApp();
  const subs = await subscriberPerNode(app, "announce");
  const api = adminOn(cluster())(cluster().nodes[2]!);
  const reply = await api.post(`/apps/${app.id}/events`, { name: "headline", data: JSON.stringify({ t: "hi" }), channels: ["announce"] });
  expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: {} });
  for (const s of subs) expect(await s.next((f) => f.event === "headline")).toEqual({ event: "headline", channel: "announce", data: `{"t":"hi"}` });
  await settle(cluster().nodes[2]!, app, "announce", subs);
  for (const s of subs) expect(named(s, "headline").length).toBe(1);
});

test("Redis carries a channel only to nodes with a local subscriber (PUBSUB NUMSUB)", async () => {
  const app = cluster().createApp();
  const { url } = cluster().redis;
  const count = () => numsub(url, app.id, "interest");
  expect(await count()).toBe(0);
  const [n0, n1, n2] = cluster().nodes;
  const a = await raw(n0!, app.key);
  await subscribeRaw(a, app, "interest");
  expect(await until(count, (n) => n === 1)).toBe(1);
  const b = await raw(n0!, app.key); // a second subscriber on the same node: still one Redis subscription
  await subscribeRaw(b, app, "interest");
  const c = await raw(n2!, app.key);
  await subscribeRaw(c, app, "interest");
  expect(await until(count, (n) => n === 2)).toBe(2);
  // A publish from the node without subscribers still reaches both nodes that have them.
  await serverSdk(n1!, app).trigger("interest", "ping", "1");
  for (const s of [a, b, c]) await s.next((f) => f.event === "ping");

  a.send({ event: "pusher:unsubscribe", data: { channel: "interest" } });
  c.send({ event: "pusher:unsubscribe", data: { channel: "interest" } });
  expect(await until(count, (n) => n === 1)).toBe(1); // node 0 still has b
  expect(await numsub(url, app.id, "interest")).toBe(1);
  b.close();
  expect(await until(count, (n) => n === 0)).toBe(0);
});
