/**
 * Durability (ARCHITECTURE.md "Webhooks are durable"): with the receiver down, events wait in the
 * SQLite outbox; SIGKILL of the server loses none of them — neither those being retried nor removals
 * still inside their 3 s delay window — and the restarted server (same data dir) delivers them all.
 * A held removal also survives as a hold: a comeback right after the restart still cancels it.
 */
import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { connected, pusherClient, waitFor } from "../support/clients";
import { startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";
import { addEndpoint, createApp, FAST_ENV, newDataDir, outboxRows, Receiver, storeEnv } from "./webhooks-helpers";

const dataDir = await newDataDir();
const ENV = { ...FAST_ENV, MAWJLY_WEBHOOK_DELAY_MS: "3000" };
const servers: TestServer[] = [];
let receiver: Receiver | undefined;

afterAll(async () => {
  for (const s of servers) await s.stop("SIGKILL");
  receiver?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const subscribed = (channel: any) => waitFor((cb) => channel.bind("pusher:subscription_succeeded", cb), 5000, "subscription");

test("SIGKILL with deliveries pending, then restart: every event is delivered", async () => {
  // A port nobody listens on yet: the receiver is "down" (connection refused) until we start it.
  const probe = new Receiver().start();
  const port = probe.boundPort;
  probe.stop();
  const app = createApp(dataDir);
  addEndpoint(dataDir, app, `http://127.0.0.1:${port}/webhooks`);

  const first = await startServer({ dataDir, env: { ...ENV, ...storeEnv(dataDir) } });
  servers.push(first);
  const client = pusherClient(first, app);
  await connected(client);
  const channels = Array.from({ length: 10 }, (_, i) => `durable-${i}`);
  await Promise.all(channels.map((c) => subscribed(client.subscribe(c))));
  await subscribed(client.subscribe("comeback"));
  for (const c of channels) client.unsubscribe(c); // vacated: held for 3 s, written at once with a not-before time
  client.unsubscribe("comeback");
  // 11 occupied (being retried against the dead port) + 11 held vacated, all committed.
  await until(() => outboxRows(dataDir).length >= 22, "22 outbox rows");
  const rows = outboxRows(dataDir);
  expect(rows.filter((r) => r.type === "channel_occupied").length).toBe(11);
  expect(rows.filter((r) => r.type === "channel_vacated").length).toBe(11);
  expect(rows.some((r) => r.attempts > 0)).toBe(true);

  const killedAt = Date.now();
  expect(await first.stop("SIGKILL")).not.toBe(0);
  client.disconnect();

  receiver = new Receiver(port).start().trust(app);
  const second = await startServer({ dataDir, env: { ...ENV, ...storeEnv(dataDir) } });
  servers.push(second);
  // Back inside the window: the held vacated of 'comeback' is cancelled, and this occupied suppressed.
  const again = pusherClient(second, app);
  await connected(again);
  await subscribed(again.subscribe("comeback"));

  await receiver.until(() => receiver!.delivered().filter((e) => e.name === "channel_vacated").length >= 10, 10_000, "10 vacated");
  const events = receiver.delivered();
  for (const c of channels) {
    const mine = events.filter((e) => e.channel === c).map((e) => e.name);
    expect(mine).toEqual(["channel_occupied", "channel_vacated"]); // each once, in order
  }
  const vacatedAt = Math.min(...receiver.requests.filter((r) => r.body.events[0]!.name === "channel_vacated").map((r) => r.at));
  expect(vacatedAt).toBeGreaterThanOrEqual(killedAt + 1500); // still held after the restart, not sent early
  expect(events.filter((e) => e.channel === "comeback")).toEqual([{ name: "channel_occupied", channel: "comeback" }]);
  expect(receiver.requests.every((r) => r.valid)).toBe(true);
  await receiver.until(() => outboxRows(dataDir).length === 0, 5000, "an empty outbox");
  again.disconnect();
});

test("a graceful stop (SIGTERM) records the removals of the sockets it closes; the restart delivers them", async () => {
  const dir = await newDataDir();
  const probe = new Receiver().start();
  const port = probe.boundPort;
  probe.stop();
  const app = createApp(dir);
  addEndpoint(dir, app, `http://127.0.0.1:${port}/webhooks`);
  const first = await startServer({ dataDir: dir, env: { ...FAST_ENV, ...storeEnv(dir) } });
  const client = pusherClient(first, app);
  try {
    await connected(client);
    await Promise.all(["g-1", "g-2", "g-3"].map((c) => subscribed(client.subscribe(c))));
    await until(() => outboxRows(dir).length >= 3, "3 outbox rows");
    // The server closes the still-connected socket (4200) itself while stopping.
    expect(await first.stop()).toBe(0);
  } finally {
    client.disconnect();
  }
  const rows = outboxRows(dir);
  expect(rows.filter((r) => r.type === "channel_vacated").map((r) => r.channel).sort()).toEqual(["g-1", "g-2", "g-3"]);

  const up = new Receiver(port).start().trust(app);
  const second = await startServer({ dataDir: dir, env: { ...FAST_ENV, ...storeEnv(dir) } });
  try {
    await up.until(() => up.delivered().filter((e) => e.name === "channel_vacated").length === 3, 5000, "3 vacated");
    expect(up.delivered().filter((e) => e.name === "channel_occupied").length).toBe(3);
  } finally {
    await second.stop();
    up.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SIGTERM while the endpoint never answers: the server exits within 1 s; the restart delivers the event", async () => {
  const dir = await newDataDir();
  const hang = new Receiver().start();
  hang.respond = () => new Promise<Response>(() => {});
  const port = hang.boundPort;
  const app = createApp(dir);
  addEndpoint(dir, app, `http://127.0.0.1:${port}/webhooks`, ["--events", "channel_occupied"]);
  // A long request timeout: the request is still hanging when the stop comes.
  const env = { ...FAST_ENV, MAWJLY_WEBHOOK_TIMEOUT_MS: "30000" };
  const first = await startServer({ dataDir: dir, env: { ...env, ...storeEnv(dir) } });
  const client = pusherClient(first, app);
  let up: Receiver | undefined;
  try {
    await connected(client);
    await subscribed(client.subscribe("hanging"));
    await hang.until(() => hang.received >= 1, 5000, "the request to hang");
    const sent = Date.now();
    expect(await first.stop()).toBe(0);
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(outboxRows(dir)).toEqual([{ type: "channel_occupied", channel: "hanging", attempts: 0 }]);

    hang.stop();
    up = new Receiver(port).start().trust(app);
    const second = await startServer({ dataDir: dir, env: { ...env, ...storeEnv(dir) } });
    try {
      expect(await up.event((e) => e.channel === "hanging")).toEqual({ name: "channel_occupied", channel: "hanging" });
      await up.until(() => outboxRows(dir).length === 0, 5000, "an empty outbox");
    } finally {
      await second.stop();
    }
  } finally {
    client.disconnect();
    hang.stop();
    up?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
