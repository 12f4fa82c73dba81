/**
 * Plan quotas on apps and connections: the app cap refuses POST /api/v1/apps with 403; the
 * account-wide connection cap closes the connection over it with 4004 (pusher-js then stays
 * disconnected); plan changes made with the CLI apply within a second.
 */
import { afterEach, beforeAll, expect, test } from "bun:test";
import { RawSocket } from "../support/clients";
import { useServer } from "../support/server";
import {
  cleanup,
  cli,
  client,
  connectedClient,
  eventually,
  expectError,
  newAccount,
  nextError,
  setupAdmin,
  stateReached,
  type ApiClient,
} from "./api-helpers";

const server = useServer();
let admin: ApiClient;
const sockets: RawSocket[] = [];

beforeAll(async () => {
  admin = await setupAdmin(server());
});
afterEach(() => {
  cleanup();
  for (const s of sockets.splice(0)) if (s.closeCode === undefined) s.close();
});

async function rawConnect(key: string): Promise<RawSocket> {
  const socket = await RawSocket.connect(server(), key);
  sockets.push(socket);
  return socket;
}

test("the app cap: the free plan's third app is refused with 403 and the plan's message", async () => {
  const alice = await newAccount(admin, "alice@example.com");
  expect(alice.account!.planId).toBe("free");
  const first = await alice.createApp({ name: "one" });
  await alice.createApp({ name: "two" });
  const capped = "Your plan allows 2 apps; delete an app or upgrade your plan to create another";
  expectError(await alice.post("/apps", { name: "three" }), 403, "forbidden", capped);
  expectError(await (await alice.withToken()).post("/apps", { name: "three" }), 403, "forbidden", capped);
  expect((await alice.get("/apps")).body.total).toBe(2);
  expect((await alice.get("/me")).body.usage.apps).toBe(2);

  // Deleting an app frees a slot; a bigger plan raises the cap at once.
  await alice.delete(`/apps/${first.id}`);
  await alice.createApp({ name: "three" });
  expectError(await alice.post("/apps", { name: "four" }), 403, "forbidden", capped);
  expect((await admin.patch(`/accounts/${alice.account!.id}`, { planId: "startup" })).body.planId).toBe("startup");
  expect((await alice.post("/apps", { name: "four" })).status).toBe(201);
  // Operator apps made with the CLI belong to no account and are never capped.
  for (let i = 0; i < 3; i++) server().createApp();
});

test("the connection cap: the third connection to any of the account's apps is closed with 4004", async () => {
  expect(cli(server(), ["plans", "create", "--id", "tiny", "--name", "Tiny", "--max-apps", "5", "--max-connections", "2", "--max-messages-per-day", "5"])).toBe("Created plan tiny\n");
  const bob = await newAccount(admin, "bob@example.com");
  cli(server(), ["accounts", "update", bob.account!.id, "--plan", "tiny"]);
  await eventually(() => bob.get("/me"), (r) => r.body.plan.id === "tiny");
  const [appA, appB] = [await bob.createApp({ name: "a" }), await bob.createApp({ name: "b" })];

  const first = await connectedClient(server(), appA);
  await connectedClient(server(), appB);
  const third = client(server(), appA);
  const states: string[] = [];
  third.connection.bind("state_change", (s: { current: string }) => states.push(s.current));
  const refused = nextError(third);
  const message = "Over connection quota: the Tiny plan allows 2 concurrent connections";
  // pusher-js reports a refused handshake as a WebSocketError wrapping the pusher:error.
  expect(await refused).toEqual({ type: "WebSocketError", error: { type: "PusherError", data: { code: 4004, message } } });
  await stateReached(third, "disconnected");

  // A raw socket sees the same refusal: pusher:error 4004, then close 4004.
  const raw = await rawConnect(appB.key);
  expect(raw.handshake).toEqual({ event: "pusher:error", data: { code: 4004, message } });
  expect(await raw.closed()).toEqual({ code: 4004, reason: message });
  expect((await bob.get("/me")).body.usage.connections).toBe(2);

  // A slot freed by a disconnect is available again.
  first.disconnect();
  await eventually(() => bob.get("/me"), (r) => r.body.usage.connections === 1);
  const again = await rawConnect(appB.key);
  expect(again.handshake.event).toBe("pusher:connection_established");

  // Raising the plan's cap with the CLI applies within a second.
  cli(server(), ["plans", "update", "tiny", "--max-connections", "3"]);
  const raisedAt = Date.now();
  const admitted = await eventually(
    async () => {
      const s = await rawConnect(appA.key);
      return s.handshake.event;
    },
    (event) => event === "pusher:connection_established",
    1500,
  );
  expect(admitted).toBe("pusher:connection_established");
  expect(Date.now() - raisedAt).toBeLessThan(1250);
  const over = await rawConnect(appA.key);
  expect(over.handshake).toEqual({ event: "pusher:error", data: { code: 4004, message: "Over connection quota: the Tiny plan allows 3 concurrent connections" } });
  expect((await bob.get("/me")).body.usage.connections).toBe(3);

  // pusher-js took the 4004 as final: it never tried again while all of the above ran.
  expect(third.connection.state).toBe("disconnected");
  expect(states.slice(states.indexOf("disconnected"))).toEqual(["disconnected"]);
});

test("the plan's per-app connection cap closes with 4004 naming the per-app limit", async () => {
  cli(server(), ["plans", "create", "--id", "per-app", "--name", "PerApp", "--max-apps", "5", "--max-connections", "0", "--max-messages-per-day", "0", "--max-app-connections", "1"]);
  const carol = await newAccount(admin, "carol@example.com", { planId: "per-app" });
  const [appA, appB] = [await carol.createApp({ name: "a" }), await carol.createApp({ name: "b" })];
  expect((await rawConnect(appA.key)).handshake.event).toBe("pusher:connection_established");
  expect((await rawConnect(appB.key)).handshake.event).toBe("pusher:connection_established");
  const over = await rawConnect(appA.key);
  const message = "Over connection quota: the PerApp plan allows 1 connections per app";
  expect(over.handshake).toEqual({ event: "pusher:error", data: { code: 4004, message } });
  expect(await over.closed()).toEqual({ code: 4004, reason: message });
});
