/**
 * Fixes from the security review: tenants cannot choose credentials or raise limits, used keys stay
 * reserved, login is CSRF-safe and its rate limit holds under parallel attempts, unknown app ids do
 * not become metrics labels, one socket cannot join unbounded channels, disabled apps do not publish.
 */
import { afterEach, beforeAll, expect, test } from "bun:test";
import { RawSocket } from "../support/clients";
import { useServer } from "../support/server";
import { ApiClient, expectError, newAccount, PASSWORD, setupAdmin } from "./api-helpers";

const server = useServer();
let admin: ApiClient;
let alice: ApiClient;
const sockets: RawSocket[] = [];

beforeAll(async () => {
  admin = await setupAdmin(server());
  alice = await newAccount(admin, "alice@example.com", { planId: "business" });
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

test("an account cannot choose an app's key or secret, nor raise a limit above its default", async () => {
  expectError(
    await alice.post("/apps", { name: "x", key: "chosen-key" }),
    403,
    "forbidden",
    "Only an admin can choose an app's key or secret; add a generated key pair instead",
  );
  const app = await alice.createApp();
  expectError(
    await alice.patch(`/apps/${app.id}`, { limits: { maxMessageBytes: 1_000_000 } }),
    403,
    "forbidden",
    "Only an admin can raise maxMessageBytes above 10240",
  );
  // Lowering is fine; an admin may raise.
  expect((await alice.patch(`/apps/${app.id}`, { limits: { maxMessageBytes: 2048 } })).status).toBe(200);
  expect((await admin.patch(`/apps/${app.id}`, { limits: { maxMessageBytes: 50_000 } })).body.limits.maxMessageBytes).toBe(50_000);
});

test("a deleted app's key stays reserved, so deployed clients never reach another app", async () => {
  const first = await admin.post("/apps", { name: "old", key: "reserved-key-1" });
  expect(first.status).toBe(201);
  expect((await admin.delete(`/apps/${first.body.id}`)).status).toBe(200);
  expectError(await admin.post("/apps", { name: "new", key: "reserved-key-1" }), 409, "conflict", "The key 'reserved-key-1' is already used by another app");
  const cli = server().cli(["apps", "create", "--name", "n", "--key", "reserved-key-1"]);
  expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 1, stderr: "mawjly: The key 'reserved-key-1' is already used by another app\n" });
});

test("sign-in refuses form posts and foreign origins (login CSRF)", async () => {
  const url = `${server().url}/api/v1/session`;
  const form = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `email=alice%40example.com&password=${encodeURIComponent(PASSWORD)}`,
  });
  expect({ status: form.status, body: await form.json() }).toEqual({
    status: 400,
    body: { error: { code: "invalid", message: "Send the body as JSON (Content-Type: application/json)" } },
  });
  const foreign = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", origin: "https://evil.example" },
    body: JSON.stringify({ email: "alice@example.com", password: PASSWORD }),
  });
  expect(foreign.status).toBe(403);
  expect(foreign.headers.get("set-cookie")).toBeNull();
});

test("parallel wrong passwords cannot slip past the limit of 5 per email and address", async () => {
  await newAccount(admin, "target@example.com");
  const attempt = () =>
    fetch(`${server().url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "target@example.com", password: "wrong password!" }),
    }).then((r) => r.status);
  const statuses = await Promise.all(Array.from({ length: 12 }, attempt));
  expect(statuses.filter((s) => s === 400).length).toBe(5);
  expect(statuses.filter((s) => s === 403).length).toBe(7);
});

test("unknown app ids in URLs never become metrics labels", async () => {
  for (let i = 0; i < 5; i++) await fetch(`${server().url}/apps/junk-${i}/channels`);
  const metrics = await (await fetch(`${server().url}/metrics`)).text();
  expect(metrics).not.toContain("junk-");
  expect(metrics).toContain('mawjly_http_requests_total{method="GET",route="/apps/:appId/channels",status="404"} 5');
});

test("one socket may join at most maxChannelsPerConnection channels", async () => {
  const app = server().createApp(["--max-channels-per-connection", "2"]);
  const socket = await RawSocket.connect(server(), app.key);
  sockets.push(socket);
  for (const channel of ["a", "b"]) {
    socket.send({ event: "pusher:subscribe", data: { channel } });
    await socket.next((f) => f.event === "pusher_internal:subscription_succeeded" && f.channel === channel);
  }
  socket.send({ event: "pusher:subscribe", data: { channel: "c" } });
  const error = await socket.next((f) => f.event === "pusher:error");
  expect(error.data).toEqual({ code: 4100, message: "Subscription to c refused: a connection may join at most 2 channels" });
});

test("the management API does not publish to a disabled app", async () => {
  const app = await alice.createApp({ enabled: false });
  expectError(
    await alice.post(`/apps/${app.id}/events`, { name: "e", data: "{}", channel: "c" }),
    403,
    "forbidden",
    "App is disabled; enable it to publish events",
  );
});

test("app names cannot carry terminal control characters (the CLI prints them)", async () => {
  expectError(await alice.post("/apps", { name: "x\u001b[2J" }), 400, "invalid", "Invalid app name: control characters are not allowed");
});
