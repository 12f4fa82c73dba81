/**
 * Isolation: an endpoint that hangs (every request runs into the 2 s timeout) fills only its own lane.
 * Another app's webhooks, another endpoint of the same app, and the WebSocket path carry on at full
 * speed meanwhile.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import type { App } from "../../src/engine/app";
import { connected, pusherClient, serverSdk, waitFor } from "../support/clients";
import { useServer } from "../support/server";
import { addEndpoint, createApp, FAST_ENV, newDataDir, Receiver, storeEnv } from "./webhooks-helpers";

let dataDir: string;
let slowApp: App;
let otherApp: App;
const hanging = new Receiver().start();
const healthySameApp = new Receiver().start();
const otherAppReceiver = new Receiver().start();

beforeAll(async () => {
  dataDir = await newDataDir();
  slowApp = createApp(dataDir);
  otherApp = createApp(dataDir);
  hanging.respond = () => new Promise<Response>(() => {});
  addEndpoint(dataDir, slowApp, hanging.url);
  addEndpoint(dataDir, slowApp, healthySameApp.trust(slowApp).url);
  addEndpoint(dataDir, otherApp, otherAppReceiver.trust(otherApp).url);
});
// The data dir with its apps and endpoints exists once the beforeAll above has run.
const server = useServer(() => ({ dataDir, env: { ...FAST_ENV, MAWJLY_WEBHOOK_TIMEOUT_MS: "2000", ...storeEnv(dataDir) } }));
afterAll(() => {
  for (const r of [hanging, healthySameApp, otherAppReceiver]) r.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const subscribed = (channel: any) => waitFor((cb) => channel.bind("pusher:subscription_succeeded", cb), 5000, "subscription");

test("a hanging endpoint delays neither another app's webhooks, nor its app's other endpoint, nor WebSocket delivery", async () => {
  const slow = pusherClient(server(), slowApp);
  const other = pusherClient(server(), otherApp);
  try {
    await Promise.all([connected(slow), connected(other)]);
    // 40 events for the hanging endpoint: its 4 request slots are busy for the next 2 s at least.
    await Promise.all(Array.from({ length: 40 }, (_, i) => subscribed(slow.subscribe(`slow-${i}`))));
    await hanging.until(() => hanging.received >= 4, 5000, "the hanging endpoint's slots to fill");

    const started = Date.now();
    await subscribed(other.subscribe("fast-lane"));
    await otherAppReceiver.event((e) => e.channel === "fast-lane");
    expect(Date.now() - started).toBeLessThan(500);

    await healthySameApp.until(() => healthySameApp.delivered().length >= 40, 2000, "the same app's healthy endpoint");
    expect(Date.now() - started).toBeLessThan(1500);

    const frame = waitFor((cb) => other.channel("fast-lane").bind("ping", cb), 2000, "a WebSocket event");
    const sentAt = Date.now();
    await serverSdk(server(), otherApp).trigger("fast-lane", "ping", { ok: 1 });
    await frame;
    expect(Date.now() - sentAt).toBeLessThan(500);
    expect(hanging.received).toBeLessThanOrEqual(4); // bounded concurrency: never more than 4 requests in flight
  } finally {
    slow.disconnect();
    other.disconnect();
  }
});
