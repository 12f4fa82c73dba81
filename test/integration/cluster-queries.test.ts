/**
 * Queries answer for the whole cluster from any node (issue 11, items 3 and 7): the HTTP API's
 * /channels (filter_by_prefix, info=user_count), /channels/{name} (occupied, subscription_count,
 * user_count), /channels/{name}/users and `info` on triggers; the management API's live view and
 * the dashboard's channel explorer.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { useCluster } from "../support/cluster";
import type { TestServer } from "../support/server";
import { signIn } from "./api-helpers";
import { adminOn, json, until } from "./cluster-helpers";
import { apiGet, cleanup, raw, serverSdk, subscribeRaw, type Socket } from "./ws-helpers";

const cluster = useCluster({ nodes: 3, startTimeoutMs: 60_000 });
let app: App;
let lobby: Socket;
const email = "queries-admin@example.com";

const presence = (userId: string) => JSON.stringify({ user_id: userId, user_info: { name: userId.toUpperCase() } });

// node 0: u1 in presence-room + public-news; node 1: u2 in presence-room + public-news + private-secret,
// and u1 again in presence-room; node 2: u3 in presence-lobby. 4 connections, 4 channels.
beforeAll(async () => {
  app = cluster().createApp(["--subscription-count"]);
  const [n0, n1, n2] = cluster().nodes;
  const a = await raw(n0!, app.key);
  await subscribeRaw(a, app, "presence-room", presence("u1"));
  await subscribeRaw(a, app, "public-news");
  const b = await raw(n1!, app.key);
  await subscribeRaw(b, app, "presence-room", presence("u2"));
  await subscribeRaw(b, app, "public-news");
  await subscribeRaw(b, app, "private-secret");
  const c = await raw(n1!, app.key);
  await subscribeRaw(c, app, "presence-room", presence("u1"));
  lobby = await raw(n2!, app.key);
  await subscribeRaw(lobby, app, "presence-lobby", presence("u3"));
}, 30_000);
afterAll(cleanup);

const everyNode = async (check: (node: TestServer, i: number) => Promise<void>) => {
  for (const [i, node] of cluster().nodes.entries()) await check(node, i);
};

test("GET /channels lists the cluster's channels from any node, with prefix filter and user_count", async () => {
  await everyNode(async (node) => {
    expect(await apiGet(node, app, "/channels")).toEqual({
      status: 200,
      body: { channels: { "presence-room": {}, "public-news": {}, "private-secret": {}, "presence-lobby": {} } },
    });
    expect(await apiGet(node, app, "/channels", { filter_by_prefix: "public-" })).toEqual({ status: 200, body: { channels: { "public-news": {} } } });
    expect(await apiGet(node, app, "/channels", { filter_by_prefix: "presence-", info: "user_count" })).toEqual({
      status: 200,
      body: { channels: { "presence-room": { user_count: 2 }, "presence-lobby": { user_count: 1 } } },
    });
  });
});

test("GET /channels/{name} and /users count every node", async () => {
  await everyNode(async (node) => {
    expect(await apiGet(node, app, "/channels/presence-room", { info: "user_count,subscription_count" })).toEqual({
      status: 200,
      body: { occupied: true, user_count: 2, subscription_count: 3 },
    });
    expect(await apiGet(node, app, "/channels/public-news", { info: "subscription_count" })).toEqual({ status: 200, body: { occupied: true, subscription_count: 2 } });
    expect(await apiGet(node, app, "/channels/private-secret")).toEqual({ status: 200, body: { occupied: true } });
    expect(await apiGet(node, app, "/channels/nobody")).toEqual({ status: 200, body: { occupied: false } });
    const users = await apiGet(node, app, "/channels/presence-room/users");
    expect(users.status).toBe(200);
    expect(users.body.users.map((u: { id: string }) => u.id).sort()).toEqual(["u1", "u2"]);
    expect(users.body.users.length).toBe(2);
  });
});

test("info on a trigger and a batch trigger counts every node", async () => {
  await everyNode(async (node) => {
    const sdk = serverSdk(node, app);
    const res = await sdk.trigger(["presence-room", "public-news", "empty-one"], "ev", {}, { info: "user_count,subscription_count" });
    expect(await json(res)).toEqual({
      status: 200,
      body: { channels: { "presence-room": { user_count: 2, subscription_count: 3 }, "public-news": { subscription_count: 2 }, "empty-one": { subscription_count: 0 } } },
    });
    const batch = await sdk.triggerBatch([
      { channel: "presence-lobby", name: "e", data: "1", info: "user_count,subscription_count" },
      { channel: "private-secret", name: "e", data: "2", info: "subscription_count" },
    ] as any);
    expect(await json(batch)).toEqual({ status: 200, body: { batch: [{ user_count: 1, subscription_count: 1 }, { subscription_count: 1 }] } });
  });
});

test("GET /api/v1/apps/:id/live and the dashboard channel explorer show the whole cluster from any node", async () => {
  const api = adminOn(cluster(), email);
  const members = (...ids: string[]) => ids.map((id) => ({ id, info: { name: id.toUpperCase() } }));
  await everyNode(async (node) => {
    const live = await api(node).get(`/apps/${app.id}/live`);
    expect({ status: live.status, body: live.body }).toEqual({
      status: 200,
      body: {
        connections: 4,
        users: 0,
        channels: {
          items: [
            { name: "presence-lobby", subscriptionCount: 1, members: members("u3") },
            { name: "presence-room", subscriptionCount: 3, members: members("u1", "u2") },
            { name: "private-secret", subscriptionCount: 1 },
            { name: "public-news", subscriptionCount: 2 },
          ],
          total: 4,
          limit: 50,
          offset: 0,
        },
      },
    });
    const session = await signIn(node, email);
    const page = await fetch(`${node.url}/dashboard/apps/${app.id}/channels`, { headers: { cookie: `mawjly_session=${session.auth.cookie}` } });
    expect(page.status).toBe(200);
    const text = (await page.text()).replace(/<[^>]*>/g, "");
    expect(text).toContain("4 occupied channels · 4 connections · 0 signed-in users");
    for (const name of ["presence-lobby", "presence-room", "private-secret", "public-news"]) expect(text).toContain(name);
  });

  // The lobby's only member leaves node 2: every node stops listing it.
  lobby.close();
  await everyNode(async (node) => {
    const live = await until(() => api(node).get(`/apps/${app.id}/live`), (r) => r.body.connections === 3);
    expect(live.body.channels.items.map((c: { name: string }) => c.name)).toEqual(["presence-room", "private-secret", "public-news"]);
    expect(await apiGet(node, app, "/channels/presence-lobby")).toEqual({ status: 200, body: { occupied: false } });
  });
});
