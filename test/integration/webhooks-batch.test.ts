/**
 * Batch webhooks (Pusher's per-app option, PUSHER-PROTOCOL.md §6.1/§6.4): a batching endpoint gets
 * several events per request, collected for MAWJLY_WEBHOOK_BATCH_MS and at most
 * MAWJLY_WEBHOOK_BATCH_MAX per request (here 100 ms / 8); a non-batching endpoint of the same app gets
 * exactly one event per request.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import type { App } from "../../src/engine/app";
import { connected, pusherClient, waitFor } from "../support/clients";
import { useServer } from "../support/server";
import { addEndpoint, createApp, FAST_ENV, newDataDir, Receiver, storeEnv } from "./webhooks-helpers";

let app: App;
let dataDir: string;
const batched = new Receiver().start();
const single = new Receiver().start();

beforeAll(async () => {
  dataDir = await newDataDir();
  app = createApp(dataDir);
  batched.trust(app);
  single.trust(app);
  addEndpoint(dataDir, app, batched.url, ["--batch", "--events", "channel_occupied"]);
  addEndpoint(dataDir, app, single.url, ["--events", "channel_occupied"]);
});
// The data dir with its apps and endpoints exists once the beforeAll above has run.
const server = useServer(() => ({ dataDir, env: { ...FAST_ENV, MAWJLY_WEBHOOK_BATCH_MS: "100", MAWJLY_WEBHOOK_BATCH_MAX: "8", ...storeEnv(dataDir) } }));
afterAll(() => {
  batched.stop();
  single.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("20 occupied channels arrive in a few signed batches of at most 8 events", async () => {
  const client = pusherClient(server(), app);
  try {
    await connected(client);
    const channels = Array.from({ length: 20 }, (_, i) => `batch-${i}`);
    const subs = channels.map((name) => client.subscribe(name));
    await Promise.all(subs.map((s) => waitFor((cb) => s.bind("pusher:subscription_succeeded", cb))));
    await batched.until(() => batched.delivered().length >= 20, 5000, "20 batched events");
    await single.until(() => single.delivered().length >= 20, 5000, "20 single events");

    expect(batched.delivered().map((e) => e.channel).sort()).toEqual([...channels].sort());
    const sizes = batched.requests.map((r) => r.body.events.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8);
    expect(batched.requests.length).toBeLessThanOrEqual(6); // 20 events: 3 full batches, plus a few partial ones
    expect(sizes.some((n) => n > 1)).toBe(true);
    expect(batched.requests.every((r) => r.valid && r.contentType === "application/json")).toBe(true);

    expect(single.requests.every((r) => r.body.events.length === 1 && r.valid)).toBe(true);
    expect(single.requests.length).toBe(20);
  } finally {
    client.disconnect();
  }
});

test("a lone event waits for the batch window, not for a full batch", async () => {
  const client = pusherClient(server(), app);
  try {
    await connected(client);
    const before = batched.requests.length;
    const started = Date.now();
    const s = client.subscribe("batch-alone");
    await waitFor((cb) => s.bind("pusher:subscription_succeeded", cb));
    await batched.event((e) => e.channel === "batch-alone");
    const request = batched.requests.at(-1)!;
    expect(batched.requests.length).toBe(before + 1);
    expect(request.body.events).toEqual([{ name: "channel_occupied", channel: "batch-alone" }]);
    expect(request.at - started).toBeGreaterThanOrEqual(90);
    // A full batch never comes; the bound leaves room for a loaded machine and PostgreSQL round trips.
    expect(request.at - started).toBeLessThan(2500);
  } finally {
    client.disconnect();
  }
});
