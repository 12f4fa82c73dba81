/**
 * The daily message quota (delivered messages per UTC day, counted per recipient as Pusher does):
 * an HTTP trigger that would deliver more than what is left is refused whole with 403, in the Pusher
 * API's `{"error": …}` and in the management API's envelope; client events are refused with 4301.
 */
import { beforeAll, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { serverSdk } from "../support/clients";
import { useServer } from "../support/server";
import {
  cleanup,
  cli,
  cliCreateAccount,
  connectedClient,
  eventually,
  expectError,
  nextError,
  setupAdmin,
  signIn,
  subscribed,
  waitFor,
  type ApiClient,
} from "./api-helpers";

const EXCEEDED = "Message quota exceeded: the account's daily message allowance is used up";

const server = useServer({ cleanup });

beforeAll(async () => {
  await setupAdmin(server());
  cli(server(), ["plans", "create", "--id", "tiny", "--name", "Tiny", "--max-apps", "5", "--max-connections", "2", "--max-messages-per-day", "5"]);
});

/** Triggers through the pusher SDK; resolves to the HTTP status and parsed body, also for errors. */
async function trigger(app: App, channel: string | string[], event: string, data: unknown) {
  try {
    const res = await serverSdk(server(), app).trigger(channel, event, data);
    return { status: res.status, body: await res.json() };
  } catch (err) {
    const { status, body } = err as { status: number; body: string };
    return { status, body: JSON.parse(body) };
  }
}

/** An account on the Tiny plan (5 messages a day), made with the CLI, signed in. */
async function tinyAccount(email: string): Promise<ApiClient> {
  expect(cliCreateAccount(server(), email, ["--plan", "tiny"]).planId).toBe("tiny");
  return signIn(server(), email);
}

test("HTTP triggers that would deliver more than what is left today are refused with 403; client events with 4301", async () => {
  const dana = await tinyAccount("dana@example.com");
  const app = await dana.createApp({ clientEvents: true });
  const [a, b] = [await connectedClient(server(), app), await connectedClient(server(), app)];
  const [chA, chB] = [a.subscribe("private-chat"), b.subscribe("private-chat")];
  await Promise.all([subscribed(chA), subscribed(chB)]);
  const received: unknown[] = [];
  chB.bind("news", (d: unknown) => received.push(d));

  // Two subscribers: each trigger delivers 2 messages (2, then 4 of 5).
  expect(await trigger(app, "private-chat", "news", { n: 1 })).toEqual({ status: 200, body: {} });
  expect(await trigger(app, "private-chat", "news", { n: 2 })).toEqual({ status: 200, body: {} });
  await eventually(() => received.length, (n) => n === 2);
  expect((await dana.get("/me")).body.usage.messagesToday).toBe(4);

  // 2 more would make 6: refused as a whole, nothing delivered, nothing counted.
  expect(await trigger(app, "private-chat", "news", { n: 3 })).toEqual({ status: 403, body: { error: EXCEEDED } });
  expect(await trigger(app, ["private-chat", "empty"], "news", { n: 3 })).toEqual({ status: 403, body: { error: EXCEEDED } });
  expectError(await dana.post(`/apps/${app.id}/events`, { name: "news", data: "{}", channel: "private-chat" }), 403, "forbidden", EXCEEDED);
  expect((await dana.get("/me")).body.usage.messagesToday).toBe(4);
  // A channel nobody is subscribed to delivers nothing, so it costs nothing.
  expect(await trigger(app, "empty", "news", {})).toEqual({ status: 200, body: {} });

  // A client event delivers to the one other subscriber: 5 of 5, still allowed.
  const delivered = waitFor((cb) => chB.bind("client-typing", cb));
  chA.trigger("client-typing", { n: 1 });
  expect(await delivered).toEqual({ n: 1 });
  expect((await dana.get("/me")).body.usage.messagesToday).toBe(5);

  const refused = nextError(a);
  chA.trigger("client-typing", { n: 2 });
  expect(await refused).toEqual({
    type: "PusherError",
    data: { code: 4301, message: "Client event client-typing rejected: the account's daily message quota is used up" },
  });
  expect(await trigger(app, "private-chat", "news", { n: 4 })).toEqual({ status: 403, body: { error: EXCEEDED } });
  expect(received).toEqual([{ n: 1 }, { n: 2 }]);
  expect((await dana.get("/me")).body.usage.messagesToday).toBe(5);
  // Refusals never close the connections.
  expect([a.connection.state, b.connection.state]).toEqual(["connected", "connected"]);
});

test("the quota is per account across its apps, and raising it with the CLI applies within a second", async () => {
  const eve = await tinyAccount("eve@example.com");
  const [one, two] = [await eve.createApp({ name: "one" }), await eve.createApp({ name: "two" })];
  const [c1, c2] = [await connectedClient(server(), one), await connectedClient(server(), two)];
  await Promise.all([subscribed(c1.subscribe("feed")), subscribed(c2.subscribe("feed"))]);
  for (let i = 0; i < 3; i++) expect((await trigger(one, "feed", "tick", { i })).status).toBe(200);
  for (let i = 0; i < 2; i++) expect((await trigger(two, "feed", "tick", { i })).status).toBe(200);
  expect(await trigger(one, "feed", "tick", {})).toEqual({ status: 403, body: { error: EXCEEDED } });
  expect(await trigger(two, "feed", "tick", {})).toEqual({ status: 403, body: { error: EXCEEDED } });
  // Batches count every item; the pusher SDK's triggerBatch gets the same 403.
  const batch = await serverSdk(server(), one).triggerBatch([{ channel: "feed", name: "tick", data: "{}" }]).catch((err) => err);
  expect({ status: batch.status, body: JSON.parse(batch.body) }).toEqual({ status: 403, body: { error: EXCEEDED } });

  cli(server(), ["plans", "update", "tiny", "--max-messages-per-day", "7"]);
  const raisedAt = Date.now();
  const accepted = await eventually(() => trigger(one, "feed", "tick", { late: true }), (r) => r.status === 200, 1500);
  expect(accepted).toEqual({ status: 200, body: {} });
  expect(Date.now() - raisedAt).toBeLessThan(1250);
  expect((await trigger(one, "feed", "tick", {})).status).toBe(200);
  expect(await trigger(one, "feed", "tick", {})).toEqual({ status: 403, body: { error: EXCEEDED } });
  expect((await eve.get("/me")).body.usage.messagesToday).toBe(7);
});
