/**
 * Redis goes away and comes back (issue 11, item 9): while it is down, a node still serves its own
 * sockets (a publish reaches that node's subscribers) and /health says degraded; once redis-server
 * is started again (empty), the nodes reconnect, re-subscribe and re-register by themselves, so
 * publishing across nodes resumes and /health is ok again, with no restart of any node.
 */
import { afterEach, expect, test } from "bun:test";
import { useCluster } from "../support/cluster";
import type { TestServer } from "../support/server";
import { join, numsub, until } from "./cluster-helpers";
import { apiGet, cleanup, serverSdk } from "./ws-helpers";

const cluster = useCluster({ nodes: 3, startTimeoutMs: 60_000 });
afterEach(cleanup);

const health = async (node: TestServer) => {
  const res = await fetch(`${node.url}/health`);
  return { status: res.status, body: await res.json() };
};

test("Redis stopped: local delivery and /health degraded; restarted: cross-node publishing and /health ok resume", async () => {
  const app = cluster().createApp();
  const [n0, n1, n2] = cluster().nodes;
  const local = await join(n0!, app, "news");
  const remote = await join(n1!, app, "news");
  await join(n1!, app, "presence-room", "pat");
  const leaver = await join(n1!, app, "left-during");
  await serverSdk(n0!, app).trigger("news", "before", "0");
  for (const s of [local, remote]) await s.next((f) => f.event === "before", 10_000);

  await cluster().redis.stop();
  for (const node of cluster().nodes) {
    expect(await until(() => health(node), (h) => h.body.status === "degraded", 10_000, "degraded")).toEqual({ status: 200, body: { status: "degraded" } });
  }
  const reply = await serverSdk(n0!, app).trigger("news", "during", "1");
  expect(reply.status).toBe(200);
  expect(await local.next((f) => f.event === "during", 10_000)).toEqual({ event: "during", channel: "news", data: "1" });
  // A client that connects and subscribes while Redis is away is served by its node.
  const fresh = await join(n0!, app, "fresh");
  // And one that leaves then is forgotten: its channel must not come back with the node's share.
  leaver.close();
  await leaver.closed();

  await cluster().redis.restart();
  // Retry publishing until the subscriber on the other node gets one: that is when the path is back.
  const started = Date.now();
  let n = 0;
  let resumed: any;
  while (resumed === undefined && Date.now() - started < 15_000) {
    await serverSdk(n0!, app).trigger("news", "after", String(++n)).catch(() => undefined);
    resumed = await remote.next((f) => f.event === "after", 250).catch(() => undefined);
  }
  expect(resumed?.event).toBe("after");
  for (const node of cluster().nodes) {
    expect(await until(() => health(node), (h) => h.body.status === "ok", 15_000, "ok")).toEqual({ status: 200, body: { status: "ok" } });
  }
  // The emptied Redis learnt the nodes' shares again: node 2 sees both subscriptions.
  await until(
    async () => (await apiGet(n2!, app, "/channels/news")).body,
    (b) => b.occupied === true,
    15_000,
    "news occupied again",
  );
  const users = await until(() => apiGet(n2!, app, "/channels/presence-room/users"), (r) => r.body.users?.length === 1, 15_000, "members again");
  expect(users).toEqual({ status: 200, body: { users: [{ id: "pat" }] } });
  expect(await apiGet(n0!, app, "/channels")).toEqual({ status: 200, body: { channels: { news: {}, "presence-room": {}, fresh: {} } } });
  expect(await numsub(cluster().redis.url, app.id, "left-during")).toBe(0);
  expect(await numsub(cluster().redis.url, app.id, "fresh")).toBe(1);
  // The subscription made during the outage is in Redis too: node 2's publish reaches it.
  await serverSdk(n2!, app).trigger("fresh", "hello", "f");
  expect(await fresh.next((f) => f.event === "hello", 10_000)).toEqual({ event: "hello", channel: "fresh", data: "f" });
  // And a publish from the node without subscribers reaches both.
  await serverSdk(n2!, app).trigger("news", "final", "x");
  for (const s of [local, remote]) expect(await s.next((f) => f.event === "final", 10_000)).toEqual({ event: "final", channel: "news", data: "x" });
}, 90_000);
