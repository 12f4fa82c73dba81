/**
 * Retries (PUSHER-PROTOCOL.md §6.4): non-2xx, timeouts and network errors are retried with back-off
 * until the retry period ends; order per channel holds across retries; every attempt is in the log.
 * Timings are shortened: 50–200 ms back-off, 300 ms timeout, 1.5 s retry period (the order test has
 * its own server with the usual period).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import type { App } from "../../src/engine/app";
import type { DeliveryLogEntry } from "../../src/webhooks/schema";
import { connected, pusherClient, waitFor } from "../support/clients";
import { startServer, useServer } from "../support/server";
import { addEndpoint, cliIn, createApp, FAST_ENV, logOutcomes, newDataDir, outboxRows, Receiver, storeEnv } from "./webhooks-helpers";

const ENV = { ...FAST_ENV, MAWJLY_WEBHOOK_TIMEOUT_MS: "300", MAWJLY_WEBHOOK_RETRY_PERIOD_MS: "1500" };
let dataDir: string;
const receivers = { flaky: new Receiver().start(), hang: new Receiver().start(), order: new Receiver().start(), dead: new Receiver().start() };
const apps = {} as Record<keyof typeof receivers, App>;

beforeAll(async () => {
  dataDir = await newDataDir();
  for (const name of Object.keys(receivers) as (keyof typeof receivers)[]) {
    apps[name] = createApp(dataDir, ["--client-events", "--client-events-per-second", "100"]);
    receivers[name].trust(apps[name]);
    addEndpoint(dataDir, apps[name], receivers[name].url, name === "order" ? ["--events", "client_event"] : []);
  }
});
// The data dir with its apps and endpoints exists once the beforeAll above has run.
const server = useServer(() => ({ dataDir, env: { ...ENV, ...storeEnv(dataDir) } }));
afterAll(() => {
  for (const r of Object.values(receivers)) r.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const subscribed = (channel: any) => waitFor((cb) => channel.bind("pusher:subscription_succeeded", cb), 5000, "subscription");
const log = (app: App): DeliveryLogEntry[] => JSON.parse(cliIn(dataDir, ["webhooks", "log", "--app", app.id, "--json"]).stdout);

async function occupy(app: App, channel: string): Promise<() => void> {
  const client = pusherClient(server(), app);
  await connected(client);
  await subscribed(client.subscribe(channel));
  return () => client.disconnect();
}

test("a receiver that fails the first 3 times gets the event on the 4th attempt", async () => {
  receivers.flaky.respond = (n) => (n <= 3 ? new Response("down", { status: 503 }) : new Response("ok"));
  const done = await occupy(apps.flaky, "retried");
  try {
    const event = await receivers.flaky.event((e) => e.channel === "retried");
    expect(event).toEqual({ name: "channel_occupied", channel: "retried" });
    expect(receivers.flaky.requests.map((r) => r.status)).toEqual([503, 503, 503, 200]);
    expect(receivers.flaky.requests.every((r) => r.valid && r.rawBody === receivers.flaky.requests[0]!.rawBody)).toBe(true);
    const attempts = log(apps.flaky).reverse();
    expect(attempts.map((e) => [e.attempt, e.outcome, e.status])).toEqual([
      [1, "retrying", 503],
      [2, "retrying", 503],
      [3, "retrying", 503],
      [4, "delivered", 200],
    ]);
    expect(attempts[0]!.error).toBe("HTTP 503");
  } finally {
    done();
  }
});

test("a receiver that hangs is timed out and retried", async () => {
  receivers.hang.respond = (n) => (n === 1 ? new Promise<Response>(() => {}) : new Response("ok"));
  const done = await occupy(apps.hang, "hung");
  try {
    await receivers.hang.event((e) => e.channel === "hung");
    const attempts = log(apps.hang).reverse();
    expect(attempts[0]).toMatchObject({ attempt: 1, outcome: "retrying", status: null, error: "timed out after 300 ms" });
    expect(attempts[0]!.latencyMs).toBeGreaterThanOrEqual(290);
    expect(attempts[1]).toMatchObject({ attempt: 2, outcome: "delivered", status: 200 });
  } finally {
    done();
  }
});

test("events of one channel arrive in order although every other request fails", async () => {
  // Its own server with the usual 60 s retry period: twenty events each failed once take longer than
  // 1.5 s on a loaded machine, and an event given up would look like a gap in the order.
  const dir = await newDataDir();
  const app = createApp(dir, ["--client-events", "--client-events-per-second", "100"]);
  const receiver = receivers.order.trust(app);
  addEndpoint(dir, app, receiver.url, ["--events", "client_event"]);
  const own = await startServer({ dataDir: dir, env: { ...FAST_ENV, MAWJLY_WEBHOOK_TIMEOUT_MS: "300", ...storeEnv(dir) } });
  receiver.respond = (n) => (n % 2 === 1 ? new Response("no", { status: 500 }) : new Response("ok"));
  const a = pusherClient(own, app);
  const b = pusherClient(own, app);
  try {
    await Promise.all([connected(a), connected(b)]);
    const channel = a.subscribe("private-ordered");
    await Promise.all([subscribed(channel), subscribed(b.subscribe("private-ordered"))]);
    for (let i = 0; i < 20; i++) channel.trigger("client-step", { i });
    await receiver.until(() => receiver.delivered().length >= 20, 10_000, "20 client events");
    const steps = receiver.delivered().map((e) => JSON.parse(e.data).i);
    expect(steps).toEqual([...Array(20).keys()]);
    expect(receiver.requests.every((r) => r.valid)).toBe(true);
  } finally {
    a.disconnect();
    b.disconnect();
    await own.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("after the retry period the delivery is marked failed", async () => {
  receivers.dead.respond = () => new Response("gone", { status: 500 });
  const started = Date.now();
  const done = await occupy(apps.dead, "never");
  try {
    await receivers.dead.until(() => logOutcomes(dataDir, apps.dead.id).includes("failed"), 8000, "a failed log entry");
    const entries = log(apps.dead);
    const final = entries.find((e) => e.outcome === "failed")!
    // The last try was made (at the deadline) and answered, not given up untried.
    expect(final).toMatchObject({ kind: "delivery", status: 500, error: "HTTP 500" });
    expect(final.attempt).toBe(entries.length);
    // Retried for MAWJLY_WEBHOOK_RETRY_PERIOD_MS (1.5 s) after the event, the last try at the deadline.
    expect(Date.parse(final.time) - started).toBeGreaterThanOrEqual(1400);
    expect(entries.filter((e) => e.outcome === "retrying").length).toBeGreaterThanOrEqual(3);
    // Nothing further is tried for it: its outbox row went with the final log entry.
    expect(outboxRows(dataDir).filter((r) => r.channel === "never")).toEqual([]);
    expect(receivers.dead.received).toBe(entries.length);
  } finally {
    done();
  }
});
