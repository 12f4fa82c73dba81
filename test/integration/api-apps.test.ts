/**
 * Apps through the management API: create/read/update/delete, exact validation and pagination
 * errors, settings that apply to live pusher-js connections, publishing a test event, the live view
 * (connections, channels, subscription counts, presence members) and usage.
 */
import { beforeAll, expect, test } from "bun:test";
import { useServer } from "../support/server";
import {
  cleanup,
  connectedClient,
  eventually,
  expectError,
  expectReply,
  newAccount,
  nextError,
  setupAdmin,
  stateReached,
  subscribed,
  waitFor,
  type ApiClient,
} from "./api-helpers";

const server = useServer({ cleanup });
let admin: ApiClient;
let alice: ApiClient;

beforeAll(async () => {
  admin = await setupAdmin(server());
  alice = await newAccount(admin, "alice@example.com", { planId: "startup" });
});

test("create, read, rename and delete an app; secrets only at creation and through /keys", async () => {
  const created = await alice.post("/apps", { id: "chosen-id", name: "Chat", clientEvents: true, limits: { maxMessageBytes: 2048 } });
  expect(created.status).toBe(201);
  const app = created.body;
  // A client-chosen id is ignored: ids are generated, 7 digits like Pusher's.
  expect(app.id).toMatch(/^\d{7}$/);
  expect(app).toMatchObject({ name: "Chat", accountId: alice.account!.id, enabled: true, clientEvents: true, userAuth: false, cluster: "sa" });
  expect(app.key).toMatch(/^[0-9a-f]{40}$/);
  expect(app.secret).toMatch(/^[0-9a-f]{40}$/);
  expect(app.limits.maxMessageBytes).toBe(2048);
  expect(app.keys).toEqual([{ key: app.key, secret: app.secret, createdAt: app.createdAt }]);

  const shown = await alice.get(`/apps/${app.id}`);
  expect(shown.status).toBe(200);
  expect(shown.body.secret).toBeUndefined();
  expect(shown.body.keys).toEqual([{ key: app.key, createdAt: app.createdAt }]);
  expect((await alice.get(`/apps/${app.id}/keys`)).body).toEqual({ items: app.keys });

  const list = await alice.get("/apps");
  expect(list.body).toEqual({ items: [{ ...shown.body, connections: 0 }], total: 1, limit: 50, offset: 0 });

  // Credentials are not the account's to choose (a chosen key could be one other clients still use).
  expectError(
    await alice.patch(`/apps/${app.id}`, { name: "Chat 2", key: "chosen-key", secret: "chosen-secret" }),
    403,
    "forbidden",
    "Only an admin can choose an app's key or secret; add a generated key pair instead",
  );
  const renamed = await alice.patch(`/apps/${app.id}`, { name: "Chat 2" });
  expect(renamed.status).toBe(200);
  expect(renamed.body.name).toBe("Chat 2");
  expect(renamed.body.keys).toEqual([{ key: app.key, createdAt: app.createdAt }]);

  expectReply(await alice.delete(`/apps/${app.id}`), 200, {});
  expectError(await alice.get(`/apps/${app.id}`), 404, "not_found", `No app '${app.id}'`);
  expectError(await alice.delete(`/apps/${app.id}`), 404, "not_found", `No app '${app.id}'`);
});

test("every limit has a range: 400 naming the setting and the range, even for an admin; nothing changes", async () => {
  const app = (await admin.post("/apps", { name: "bounded" })).body;
  expectError(
    await admin.patch(`/apps/${app.id}`, { limits: { maxMessageBytes: 99_999_999_999 } }),
    400,
    "invalid",
    "Invalid maxMessageBytes 99999999999: use a whole number from 1 to 512000",
  );
  expectError(
    await admin.post("/apps", { name: "too big", limits: { maxWatchlistSize: 5000 } }),
    400,
    "invalid",
    "Invalid maxWatchlistSize 5000: use a whole number from 1 to 1000",
  );
  expect((await admin.get(`/apps/${app.id}`)).body.limits.maxMessageBytes).toBe(10240);
  expect((await admin.patch(`/apps/${app.id}`, { limits: { maxMessageBytes: 512_000 } })).body.limits.maxMessageBytes).toBe(512_000);
  expect((await admin.delete(`/apps/${app.id}`)).status).toBe(200);
});

test("a bad body is 400 with the exact 'Invalid request: …' message", async () => {
  const app = await alice.createApp();
  const cases: Array<[string, string, unknown, string]> = [
    ["POST", "/apps", {}, "Invalid request: name is required"],
    ["POST", "/apps", { name: "" }, "Name must not be empty"],
    ["POST", "/apps", { name: "x", clientEvents: "yes" }, "Invalid request: clientEvents: Expected boolean"],
    ["PATCH", `/apps/${app.id}`, { enabled: 1 }, "Invalid request: enabled: Expected boolean"],
    ["PATCH", `/apps/${app.id}`, { limits: { maxConnections: -1 } }, "Invalid maxConnections -1: use a whole number from 0 to 1000000"],
    ["PATCH", `/apps/${app.id}`, { limits: { clientEventsPerSecond: 0 } }, "Invalid clientEventsPerSecond 0: use a whole number from 1 to 1000"],
    ["PATCH", `/apps/${app.id}`, { limits: { maxMessageBytes: 1.5 } }, "Invalid request: limits.maxMessageBytes: Expected integer"],
    ["PATCH", `/apps/${app.id}`, { cluster: "eu 1" }, "Invalid request: cluster: Expected string to match '^[A-Za-z0-9_-]{1,64}$'"],
    ["POST", `/apps/${app.id}/events`, { name: "e", channel: "c" }, "Invalid request: data is required"],
    ["POST", "/tokens", { name: 7 }, "Invalid request: name: Expected string"],
  ];
  for (const [method, path, body, message] of cases) {
    const reply = await alice.call(method, path, body);
    expect({ method, path, status: reply.status, body: reply.body }).toEqual({ method, path, status: 400, body: { error: { code: "invalid", message } } });
  }
  expectError(await alice.call("POST", "/apps", undefined, { raw: "{\"name\":" }), 400, "invalid", "Invalid request: the body is not valid JSON");
  // Checks past the schema (the Pusher trigger rules) use the same envelope.
  expectError(await alice.post(`/apps/${app.id}/events`, { name: "e", data: "{}" }), 400, "invalid", "Missing 'channels' or 'channel'");
  expectError(await alice.post(`/apps/${app.id}/events`, { name: "e", data: "{}", channels: [] }), 400, "invalid", "'channels' must be a non-empty array of channel names");
  const big = "x".repeat(10241);
  expectError(await alice.post(`/apps/${app.id}/events`, { name: "e", data: big, channel: "c" }), 400, "invalid", "Payload too large: data is 10241 bytes, the limit is 10240");
  expect((await alice.get(`/apps/${app.id}`)).body.enabled).toBe(true);
});

test("unknown properties are refused, not silently dropped (the schemas say additionalProperties: false)", async () => {
  const app = await alice.createApp();
  expectError(await alice.patch(`/apps/${app.id}`, { clientEvent: true }), 400, "invalid", "Invalid request: clientEvent: Unexpected property");
  expectError(await alice.post("/apps", { name: "x", colour: "red" }), 400, "invalid", "Invalid request: colour: Unexpected property");
  expectError(await admin.post("/plans", { id: "p", name: "P", maxApps: 1, maxConnections: 1, maxMessagesPerDay: 1, maxMsgs: 1 }), 400, "invalid", "Invalid request: maxMsgs: Unexpected property");
});

test("pagination: limit and offset are validated exactly and slice every list", async () => {
  const apps = [await admin.createApp({ name: "a" }), await admin.createApp({ name: "b" }), await admin.createApp({ name: "c" })];
  const limitError = "limit must be a whole number from 1 to 500";
  const offsetError = "offset must be a whole number ≥ 0";
  const live = `/apps/${apps[0]!.id}/live`;
  for (const path of ["/apps", "/accounts", live]) {
    for (const query of ["limit=0", "limit=501", "limit=abc", "limit=2.5", "limit=", "limit=-1"]) {
      expectError(await admin.get(`${path}?${query}`), 400, "invalid", limitError);
    }
    for (const query of ["offset=-1", "offset=x", "offset=0.5", "limit=10&offset=-3"]) {
      expectError(await admin.get(`${path}?${query}`), 400, "invalid", offsetError);
    }
  }
  const all = (await admin.get("/apps")).body;
  expect(all.total).toBe(3);
  const page = (await admin.get("/apps?limit=2&offset=1")).body;
  expect({ ...page, items: page.items.map((a: { id: string }) => a.id) }).toEqual({ items: all.items.slice(1, 3).map((a: { id: string }) => a.id), total: 3, limit: 2, offset: 1 });
  expect((await admin.get("/apps?limit=500&offset=3")).body).toEqual({ items: [], total: 3, limit: 500, offset: 3 });
  const accounts = (await admin.get("/accounts?limit=1&offset=1")).body;
  expect({ ...accounts, items: accounts.items.length }).toEqual({ items: 1, total: 2, limit: 1, offset: 1 });
  // Query parameters a route does not know are ignored (cache-busters), not refused.
  for (const path of ["/apps", "/accounts", live, `/apps/${apps[0]!.id}/usage`]) {
    expect({ path, status: (await admin.get(`${path}?_=1700000000&limit=1`)).status }).toEqual({ path, status: 200 });
  }
});

test("PATCH settings apply to live connections: client events off → refused with 4301; disabled → 4003", async () => {
  const app = await alice.createApp({ clientEvents: true });
  const [sender, receiver] = await Promise.all([connectedClient(server(), app), connectedClient(server(), app)]);
  const [sent, got] = [sender.subscribe("private-room"), receiver.subscribe("private-room")];
  await Promise.all([subscribed(sent), subscribed(got)]);
  const delivered = waitFor((cb) => got.bind("client-typing", cb));
  expect(sent.trigger("client-typing", { n: 1 })).toBe(true);
  expect(await delivered).toEqual({ n: 1 });

  expect((await alice.patch(`/apps/${app.id}`, { clientEvents: false })).body.clientEvents).toBe(false);
  const refused = nextError(sender);
  sent.trigger("client-typing", { n: 2 });
  expect(await refused).toEqual({
    type: "PusherError",
    data: { code: 4301, message: "Client event client-typing rejected: client events are not enabled for this app" },
  });

  const closed = nextError(receiver);
  expect((await alice.patch(`/apps/${app.id}`, { enabled: false })).body.enabled).toBe(false);
  expect(await closed).toEqual({ type: "PusherError", data: { code: 4003, message: "App is disabled" } });
  await stateReached(receiver, "disconnected", 1000);
});

test("POST /apps/:id/events publishes to pusher-js subscribers through the normal publish path", async () => {
  const app = await alice.createApp();
  const c = await connectedClient(server(), app);
  const [one, two] = [c.subscribe("news"), c.subscribe("private-news")];
  await Promise.all([subscribed(one), subscribed(two)]);
  const first = waitFor((cb) => one.bind("headline", cb));
  expectReply(await alice.post(`/apps/${app.id}/events`, { name: "headline", data: JSON.stringify({ title: "hi" }), channel: "news" }), 200, {});
  expect(await first).toEqual({ title: "hi" });
  const both = Promise.all([waitFor((cb) => one.bind("update", cb)), waitFor((cb) => two.bind("update", cb))]);
  const bearer = await alice.withToken();
  expect((await bearer.post(`/apps/${app.id}/events`, { name: "update", data: "plain text", channels: ["news", "private-news"] })).status).toBe(200);
  expect(await both).toEqual(["plain text", "plain text"]);
});

test("GET /apps/:id/live shows connections, signed-in users, channels with subscription counts and presence members", async () => {
  const app = await alice.createApp();
  const empty = await alice.get(`/apps/${app.id}/live`);
  expect(empty.body).toEqual({ connections: 0, users: 0, channels: { items: [], total: 0, limit: 50, offset: 0 } });

  const ann = await connectedClient(server(), app, { presence: { user_id: "ann", user_info: { name: "Ann" } }, user: { id: "ann" } });
  const ben = await connectedClient(server(), app, { presence: { user_id: "ben", user_info: { name: "Ben" } } });
  await Promise.all([subscribed(ann.subscribe("presence-lobby")), subscribed(ben.subscribe("presence-lobby"))]);
  await Promise.all([subscribed(ann.subscribe("public-a")), subscribed(ben.subscribe("public-a"))]);
  ann.signin();
  await (ann.user as any).signinDonePromise;

  const live = await alice.get(`/apps/${app.id}/live`);
  expect(live.status).toBe(200);
  expect(live.body).toEqual({
    connections: 2,
    users: 1,
    channels: {
      items: [
        { name: "presence-lobby", subscriptionCount: 2, members: [{ id: "ann", info: { name: "Ann" } }, { id: "ben", info: { name: "Ben" } }] },
        { name: "public-a", subscriptionCount: 2 },
      ],
      total: 2,
      limit: 50,
      offset: 0,
    },
  });
  const filtered = await alice.get(`/apps/${app.id}/live?prefix=public-&limit=1`);
  expect(filtered.body.channels).toEqual({ items: [{ name: "public-a", subscriptionCount: 2 }], total: 1, limit: 1, offset: 0 });
  expect((await alice.get("/apps")).body.items.find((a: { id: string }) => a.id === app.id).connections).toBe(2);

  ben.disconnect();
  const after = await eventually(() => alice.get(`/apps/${app.id}/live`), (r) => r.body.connections === 1);
  expect(after.body.channels.items[0]).toEqual({ name: "presence-lobby", subscriptionCount: 1, members: [{ id: "ann", info: { name: "Ann" } }] });
});

test("GET /apps/:id/usage: today's totals and a series per period; the period is validated", async () => {
  const app = await alice.createApp();
  expectError(await alice.get(`/apps/${app.id}/usage?period=week`), 400, "invalid", "period must be hour, day or month");
  const fresh = await alice.get(`/apps/${app.id}/usage`);
  expect({ status: fresh.status, today: fresh.body.today, period: fresh.body.period }).toEqual({ status: 200, today: { messages: 0, published: 0, delivered: 0, connectionsPeak: 0 }, period: "hour" });

  const c = await connectedClient(server(), app);
  const channel = c.subscribe("metered");
  await subscribed(channel);
  const got = waitFor((cb) => channel.bind("tick", cb));
  expect((await alice.post(`/apps/${app.id}/events`, { name: "tick", data: "1", channel: "metered" })).status).toBe(200);
  await got;
  const after = await eventually(() => alice.get(`/apps/${app.id}/usage?period=hour`), (r) => r.body.today?.messages === 2);
  // Counted like Pusher: the event published once, plus its one delivery.
  expect(after.body.today).toEqual({ messages: 2, published: 1, delivered: 1, connectionsPeak: 1 });
  expect(after.body.bucketSeconds).toBe(60);
  expect(after.body.points).toHaveLength(60);
  expect(after.body.points.at(-1)).toMatchObject({ apiMessages: 1, delivered: 1 });
  for (const [period, bucketSeconds, length] of [["day", 3600, 24], ["month", 86400, 30]] as const) {
    const usage = (await alice.get(`/apps/${app.id}/usage?period=${period}`)).body;
    expect({ period: usage.period, bucketSeconds: usage.bucketSeconds, points: usage.points.length, messages: usage.today.messages }).toEqual({ period, bucketSeconds, points: length, messages: 2 });
  }
});
