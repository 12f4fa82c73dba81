/**
 * Webhooks through the management API: endpoints, a signed test send verified with the official SDK,
 * the delivery log, redelivery, and the 404 rule for another account's endpoints.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import Pusher from "pusher";
import type { App } from "../../src/engine/app";
import { useServer } from "../support/server";
import { ApiClient, eventually, expectError, newAccount, setupAdmin } from "./api-helpers";

// The receiver is on loopback and alice is no admin: allow private webhook targets for every app.
const server = useServer({ env: { MAWJLY_WEBHOOK_ALLOW_PRIVATE: "1" } });
let alice: ApiClient;
let bob: ApiClient;
let app: App;
let receiver: ReturnType<typeof Bun.serve>;
const received: Array<{ valid: boolean; events: any[] }> = [];

beforeAll(async () => {
  const admin = await setupAdmin(server());
  [alice, bob] = await Promise.all([newAccount(admin, "alice@example.com"), newAccount(admin, "bob@example.com")]);
  app = await alice.createApp({ name: "hooks" });
  const sdk = new Pusher({ appId: app.id, key: app.key, secret: app.secret, host: "127.0.0.1" });
  receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const rawBody = await request.text();
      const webhook = sdk.webhook({ headers: Object.fromEntries(request.headers), rawBody });
      received.push({ valid: webhook.isValid(), events: webhook.isValid() ? webhook.getEvents() : [] });
      return new Response("ok");
    },
  });
});
afterAll(() => {
  receiver.stop(true);
});

test("add, list, change, test-send, read the log, redeliver, remove", async () => {
  const url = `http://127.0.0.1:${receiver.port}/hook`;
  const added = await alice.post(`/apps/${app.id}/webhooks`, { url, events: ["channel_occupied", "member_added"] });
  expect(added.status).toBe(201);
  expect(added.body).toMatchObject({ appId: app.id, url, events: ["channel_occupied", "member_added"], enabled: true, batch: false });
  const id = added.body.id as string;
  expect((await alice.get(`/apps/${app.id}/webhooks`)).body.items.map((e: any) => e.id)).toEqual([id]);

  const changed = await alice.patch(`/apps/${app.id}/webhooks/${id}`, { batch: true });
  expect(changed.body.batch).toBe(true);

  const sent = await alice.post(`/apps/${app.id}/webhooks/${id}/test`, {});
  expect(sent.status).toBe(200);
  expect(sent.body).toMatchObject({ kind: "test", outcome: "delivered", status: 200, eventTypes: ["channel_occupied"] });
  expect(received.at(-1)).toMatchObject({ valid: true });

  // Real activity produces a logged delivery, which can be redelivered.
  const socket = new WebSocket(`${server().wsUrl}/app/${app.key}?protocol=7`);
  await new Promise((resolve) => (socket.onmessage = resolve));
  socket.send(JSON.stringify({ event: "pusher:subscribe", data: { channel: "orders" } }));
  const log = await eventually(
    async () => (await alice.get(`/apps/${app.id}/webhooks-log`)).body,
    (body: any) => body.items.some((e: any) => e.kind === "delivery" && e.outcome === "delivered"),
    5000,
  );
  socket.close();
  const delivery = log.items.find((e: any) => e.kind === "delivery");
  expect(delivery).toMatchObject({ endpointId: id, eventTypes: ["channel_occupied"], attempt: 1, status: 200 });
  const before = received.length;
  expect((await alice.post(`/apps/${app.id}/webhooks-log/${delivery.id}/redeliver`, {})).body).toEqual({ endpointId: id, queued: 1 });
  await eventually(() => received.length, (n) => n > before, 5000);
  expect(received.at(-1)!.events).toContainEqual({ name: "channel_occupied", channel: "orders" });

  expect((await alice.delete(`/apps/${app.id}/webhooks/${id}`)).body).toEqual({});
  expect((await alice.get(`/apps/${app.id}/webhooks`)).body.items).toEqual([]);
});

test("bad input gets the exact error", async () => {
  const types = "channel_occupied, channel_vacated, member_added, member_removed, client_event, cache_miss, subscription_count";
  expectError(
    await alice.post(`/apps/${app.id}/webhooks`, { url: "ftp://example.com/x" }),
    400,
    "invalid",
    "Invalid webhook URL 'ftp://example.com/x': use an absolute http:// or https:// URL",
  );
  expectError(
    await alice.post(`/apps/${app.id}/webhooks`, { url: "http://127.0.0.1/x", events: ["nope"] }),
    400,
    "invalid",
    `Unknown webhook event type 'nope': use ${types}`,
  );
  expectError(
    await alice.post(`/apps/${app.id}/webhooks`, { url: "http://127.0.0.1/x", events: [] }),
    400,
    "invalid",
    `Choose at least one webhook event type: ${types}`,
  );
  expectError(await alice.post(`/apps/${app.id}/webhooks`, { events: ["member_added"] }), 400, "invalid", "Invalid request: url is required");
});

test("another account's app and endpoints answer 404", async () => {
  const added = await alice.post(`/apps/${app.id}/webhooks`, { url: `http://127.0.0.1:${receiver.port}/other` });
  const id = added.body.id as string;
  const missing = `No app '${app.id}'`;
  expectError(await bob.get(`/apps/${app.id}/webhooks`), 404, "not_found", missing);
  expectError(await bob.delete(`/apps/${app.id}/webhooks/${id}`), 404, "not_found", missing);
  expectError(await bob.get(`/apps/${app.id}/webhooks-log`), 404, "not_found", missing);
  const bobApp = await bob.createApp({ name: "bob's" });
  expectError(await bob.delete(`/apps/${bobApp.id}/webhooks/${id}`), 404, "not_found", `No webhook endpoint '${id}' in app ${bobApp.id}`);
});
