/**
 * The removal delay of PUSHER-PROTOCOL.md §6.4: channel_vacated and member_removed wait (here 400 ms,
 * MAWJLY_WEBHOOK_DELAY_MS); a comeback inside the window sends neither the removal nor the re-add.
 * Absence is proven with a marker: a removal that starts after the cancelled one, so its webhook is
 * released later than the cancelled one would have been.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import type { App } from "../../src/engine/app";
import { connected, pusherClient, waitFor } from "../support/clients";
import { useServer } from "../support/server";
import { addEndpoint, createApp, FAST_ENV, newDataDir, Receiver, storeEnv } from "./webhooks-helpers";

let app: App;
let dataDir: string;
const receiver = new Receiver().start();

beforeAll(async () => {
  dataDir = await newDataDir();
  app = createApp(dataDir);
  receiver.trust(app);
  addEndpoint(dataDir, app, receiver.url);
});
// The data dir with its apps and endpoints exists once the beforeAll above has run.
const server = useServer(() => ({ dataDir, env: { ...FAST_ENV, MAWJLY_WEBHOOK_DELAY_MS: "400", ...storeEnv(dataDir) } }));
afterAll(() => {
  receiver.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const subscribed = (channel: any) => waitFor((cb) => channel.bind("pusher:subscription_succeeded", cb), 5000, "subscription");
const count = (name: string, channel: string) => receiver.delivered().filter((e) => e.name === name && e.channel === channel).length;

test("a channel left and joined again inside the window sends neither vacated nor a second occupied", async () => {
  const client = pusherClient(server(), app);
  try {
    await connected(client);
    await subscribed(client.subscribe("flicker"));
    await subscribed(client.subscribe("marker-1"));
    await receiver.event((e) => e.name === "channel_occupied" && e.channel === "flicker");
    client.unsubscribe("flicker");
    await subscribed(client.subscribe("flicker")); // back within 400 ms, e.g. a page navigation
    client.unsubscribe("marker-1");
    await receiver.event((e) => e.name === "channel_vacated" && e.channel === "marker-1", 5000, "marker vacated");
    expect(count("channel_vacated", "flicker")).toBe(0);
    expect(count("channel_occupied", "flicker")).toBe(1);
  } finally {
    client.disconnect();
  }
});

test("a presence user who reconnects inside the window sends neither member_removed nor member_added again", async () => {
  const stay = pusherClient(server(), app, { presence: { user_id: "stays" } });
  let flaky = pusherClient(server(), app, { presence: { user_id: "flaky" } });
  try {
    await Promise.all([connected(stay), connected(flaky)]);
    await subscribed(stay.subscribe("presence-nav"));
    await subscribed(flaky.subscribe("presence-nav"));
    await receiver.event((e) => e.name === "member_added" && e.user_id === "flaky");
    flaky.disconnect();
    flaky = pusherClient(server(), app, { presence: { user_id: "flaky" } });
    await connected(flaky);
    await subscribed(flaky.subscribe("presence-nav"));
    const marker = pusherClient(server(), app, { presence: { user_id: "marker" } });
    await connected(marker);
    await subscribed(marker.subscribe("presence-nav"));
    marker.disconnect();
    await receiver.event((e) => e.name === "member_removed" && e.user_id === "marker", 5000, "marker removed");
    const flakyEvents = receiver.delivered().filter((e) => e.user_id === "flaky");
    expect(flakyEvents).toEqual([{ name: "member_added", channel: "presence-nav", user_id: "flaky" }]);
  } finally {
    stay.disconnect();
    flaky.disconnect();
  }
});

test("after the window the removal is sent, no earlier than the delay", async () => {
  const client = pusherClient(server(), app);
  try {
    await connected(client);
    await subscribed(client.subscribe("leaves"));
    await receiver.event((e) => e.name === "channel_occupied" && e.channel === "leaves");
    const left = Date.now();
    client.unsubscribe("leaves");
    const vacated = await receiver.event((e) => e.name === "channel_vacated" && e.channel === "leaves");
    const request = receiver.requests.find((r) => r.body.events.includes(vacated))!;
    expect(request.at - left).toBeGreaterThanOrEqual(380);
    // time_ms is when the removal took effect (end of the window), so the receiver sees no extra lag.
    expect(request.body.time_ms).toBeGreaterThanOrEqual(left + 380);
    // Coming back after the window is a new occupancy, reported as such.
    await subscribed(client.subscribe("leaves"));
    await receiver.until(() => count("channel_occupied", "leaves") === 2);
  } finally {
    client.disconnect();
  }
});
