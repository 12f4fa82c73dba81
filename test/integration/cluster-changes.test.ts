/**
 * App, key and setting changes reach every node within 1 s (issue 11, item 6), whether made through
 * the management API on one node or by the CLI against the shared data directory: disabling closes
 * every node's sockets with 4003, revoking a key closes its sockets with 4009, a setting applies.
 */
import { afterEach, expect, test } from "bun:test";
import { useCluster } from "../support/cluster";
import type { TestServer } from "../support/server";
import { adminOn, until } from "./cluster-helpers";
import { cleanup, expectError, raw, subscribeRaw, type Socket } from "./ws-helpers";

const cluster = useCluster({ nodes: 3, startTimeoutMs: 60_000 });
afterEach(cleanup);
let api: ReturnType<typeof adminOn>;
const admin = (node: TestServer) => (api ??= adminOn(cluster()))(node);

/** One raw socket per node. */
const perNode = (key: string) => Promise.all(cluster().nodes.map((n) => raw(n, key)));

/** Every socket closes with `expected` within 1 s of `since`. */
async function allClosed(sockets: Socket[], expected: { code: number; reason: string }, since: number) {
  const closed = await Promise.all(sockets.map((s) => s.closed(2000)));
  expect(closed).toEqual(sockets.map(() => expected));
  expect(Date.now() - since).toBeLessThan(1000);
}

test("PATCH enabled=false on one node closes the app's sockets on every node with 4003 within 1 s", async () => {
  const app = cluster().createApp();
  const sockets = await perNode(app.key);
  const reply = await admin(cluster().nodes[1]!).patch(`/apps/${app.id}`, { enabled: false });
  const since = Date.now();
  expect(reply.status).toBe(200);
  expect(reply.body.enabled).toBe(false);
  await allClosed(sockets, { code: 4003, reason: "App is disabled" }, since);
  const refused = await raw(cluster().nodes[2]!, app.key);
  expect(refused.established).toEqual({ event: "pusher:error", data: { code: 4003, message: "App is disabled" } });
});

test("apps update --disabled by the CLI closes every node's sockets with 4003 within 1 s; --enabled admits again", async () => {
  const app = cluster().createApp();
  const sockets = await perNode(app.key);
  expect(cluster().cli(["apps", "update", app.id, "--disabled"]).code).toBe(0);
  await allClosed(sockets, { code: 4003, reason: "App is disabled" }, Date.now());
  expect(cluster().cli(["apps", "update", app.id, "--enabled"]).code).toBe(0);
  const since = Date.now();
  for (const node of cluster().nodes) {
    await until(async () => (await raw(node, app.key)).established.event, (e) => e === "pusher:connection_established", 1000, "re-enabled");
  }
  expect(Date.now() - since).toBeLessThan(1000);
});

test("revoking a key through the API on one node closes its sockets on every node with 4009; the other key stays", async () => {
  const app = cluster().createApp();
  const added = await admin(cluster().nodes[0]!).post(`/apps/${app.id}/keys`);
  expect(added.status).toBe(201);
  const second: string = added.body.key;
  const old = await perNode(app.key);
  const kept = await perNode(second);
  const reply = await admin(cluster().nodes[2]!).delete(`/apps/${app.id}/keys/${app.key}`);
  const since = Date.now();
  expect(reply.status).toBe(200);
  await allClosed(old, { code: 4009, reason: "App key revoked" }, since);
  for (const s of kept) {
    s.send({ event: "pusher:ping", data: {} });
    expect(await s.next((f) => f.event === "pusher:pong")).toEqual({ event: "pusher:pong", data: "{}" });
  }
});

test("apps keys --revoke by the CLI closes the key's sockets on every node with 4009 within 1 s", async () => {
  const app = cluster().createApp();
  expect(cluster().cli(["apps", "keys", app.id, "--add"]).code).toBe(0);
  const sockets = await perNode(app.key);
  expect(cluster().cli(["apps", "keys", app.id, "--revoke", app.key]).code).toBe(0);
  await allClosed(sockets, { code: 4009, reason: "App key revoked" }, Date.now());
});

test("a setting changed through the API on one node (client events) applies on every node within 1 s", async () => {
  const app = cluster().createApp();
  const [n0, n1, n2] = cluster().nodes;
  const [a, b] = [await raw(n0!, app.key), await raw(n2!, app.key)];
  await subscribeRaw(a, app, "private-live");
  await subscribeRaw(b, app, "private-live");
  const frame = { event: "client-x", channel: "private-live", data: { n: 1 } };
  a.send(frame);
  await expectError(a, 4301, "Client event client-x rejected: client events are not enabled for this app", "private-live");
  expect((await admin(n1!).patch(`/apps/${app.id}`, { clientEvents: true })).status).toBe(200);
  const since = Date.now();
  // No event announces the change: send until the socket on the other node receives one.
  let delivered: any;
  while (delivered === undefined && Date.now() - since < 1000) {
    a.send(frame);
    delivered = await b.next((f) => f.event === "client-x", 100).catch(() => undefined);
  }
  expect(delivered).toEqual({ event: "client-x", channel: "private-live", data: '{"n":1}' });
});
