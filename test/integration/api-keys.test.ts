/**
 * Key rotation through the management API with live pusher-js clients: a new pair works at once for
 * connections, channel auth and the pusher SDK; revoking the old pair closes its connections with
 * 4009 within a second and the SDK signing with it gets 401.
 */
import { beforeAll, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { serverSdk } from "../support/clients";
import { useServer } from "../support/server";
import { cleanup, connectedClient, expectError, newAccount, nextError, setupAdmin, stateReached, subscribed, waitFor, type ApiClient } from "./api-helpers";

const server = useServer({ cleanup });
let alice: ApiClient;

beforeAll(async () => {
  alice = await newAccount(await setupAdmin(server()), "alice@example.com");
});

/** Triggers with the pusher SDK signing with `pair`; resolves to the HTTP status and body. */
async function sdkTrigger(app: App, channel: string, event: string, data: unknown): Promise<{ status: number; body: unknown }> {
  try {
    const res = await serverSdk(server(), app).trigger(channel, event, data);
    return { status: res.status, body: await res.json() };
  } catch (err) {
    const { status, body } = err as { status: number; body: string };
    return { status, body: JSON.parse(body) };
  }
}

test("rotate a key pair while pusher-js clients stay connected", async () => {
  const app = await alice.createApp();
  const oldClient = await connectedClient(server(), app);
  const oldChannel = oldClient.subscribe("private-ticker");
  await subscribed(oldChannel);

  const added = await alice.post(`/apps/${app.id}/keys`);
  expect(added.status).toBe(201);
  expect(added.body).toEqual({ key: expect.stringMatching(/^[0-9a-f]{40}$/), secret: expect.stringMatching(/^[0-9a-f]{40}$/), createdAt: expect.any(String) });
  const rotated: App = { ...app, key: added.body.key, secret: added.body.secret };
  expect((await alice.get(`/apps/${app.id}/keys`)).body.items).toEqual([app.keys[0], added.body]);
  expect((await alice.get(`/apps/${app.id}`)).body.keys).toEqual([
    { key: app.key, createdAt: app.createdAt },
    { key: added.body.key, createdAt: added.body.createdAt },
  ]);

  // The new pair connects, authorizes a private channel and signs HTTP API calls at once.
  const newClient = await connectedClient(server(), rotated);
  const newChannel = newClient.subscribe("private-ticker");
  await subscribed(newChannel);
  const both = Promise.all([waitFor((cb) => newChannel.bind("price", cb)), waitFor((cb) => oldChannel.bind("price", cb))]);
  expect(await sdkTrigger(rotated, "private-ticker", "price", { usd: 1 })).toEqual({ status: 200, body: {} });
  expect(await both).toEqual([{ usd: 1 }, { usd: 1 }]);
  // Both pairs work until one is revoked.
  expect(await sdkTrigger(app, "private-ticker", "ping", {})).toEqual({ status: 200, body: {} });

  const closed = nextError(oldClient);
  const revoked = await alice.delete(`/apps/${app.id}/keys/${app.key}`);
  const revokedAt = Date.now();
  expect({ status: revoked.status, body: revoked.body }).toEqual({ status: 200, body: {} });
  expect(await closed).toEqual({ type: "PusherError", data: { code: 4009, message: "App key revoked" } });
  await stateReached(oldClient, "disconnected", 1000);
  expect(Date.now() - revokedAt).toBeLessThan(1000);

  expect(await sdkTrigger(app, "private-ticker", "price", { usd: 2 })).toEqual({ status: 401, body: { error: `Unknown auth_key: '${app.key}'` } });
  const still = waitFor((cb) => newChannel.bind("price", cb));
  expect(await sdkTrigger(rotated, "private-ticker", "price", { usd: 3 })).toEqual({ status: 200, body: {} });
  expect(await still).toEqual({ usd: 3 });
  expect(newClient.connection.state).toBe("connected");

  expect((await alice.get(`/apps/${app.id}/keys`)).body.items).toEqual([added.body]);
  const shown = (await alice.get(`/apps/${app.id}`)).body;
  expect([shown.key, shown.keys]).toEqual([added.body.key, [{ key: added.body.key, createdAt: added.body.createdAt }]]);
});

test("a revoked key can no longer connect; revoking the only key or an unknown key is refused", async () => {
  const app = await alice.createApp();
  const added = (await alice.post(`/apps/${app.id}/keys`)).body;
  await alice.delete(`/apps/${app.id}/keys/${app.key}`);
  const refused = await fetchHandshake(app.key);
  expect(refused).toEqual({ event: "pusher:error", data: { code: 4001, message: "App key not found" } });

  expectError(await alice.delete(`/apps/${app.id}/keys/${added.key}`), 400, "invalid", "Cannot revoke the only active key: add another key pair first");
  expectError(await alice.delete(`/apps/${app.id}/keys/${app.key}`), 404, "not_found", `App ${app.id} has no active key '${app.key}'`);
  expectError(await alice.delete(`/apps/${app.id}/keys/nope`), 404, "not_found", `App ${app.id} has no active key 'nope'`);
});

/** The first frame a raw WebSocket gets for a key (connection_established or pusher:error). */
async function fetchHandshake(key: string): Promise<unknown> {
  const ws = new WebSocket(`${server().wsUrl}/app/${key}?protocol=7`);
  try {
    return await new Promise((resolve, reject) => {
      ws.onmessage = (e) => resolve(JSON.parse(String(e.data)));
      ws.onclose = (e) => reject(new Error(`closed ${e.code} before a frame`));
    });
  } finally {
    ws.close();
  }
}
