/**
 * Usage figures against the real server: the day's peak is exact (short connections between two
 * 10-second samples used to leave "Peak today 0"), messages are counted like Pusher (published plus
 * delivered, with the breakdown) while the daily quota keeps counting deliveries, the current bucket
 * is flagged partial, and the overview page says what it shows.
 */
import { beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeSockets, RawSocket, subscribedSocket } from "../support/clients";
import { startServer, useServer } from "../support/server";
import { ApiClient, cli, cliCreateAccount, eventually, newAccount, setupAdmin, signIn } from "./api-helpers";

const server = useServer({ cleanup: closeSockets });
let alice: ApiClient;

beforeAll(async () => {
  alice = await newAccount(await setupAdmin(server()), "alice@example.com", { planId: "business" });
});

const dashboard = (path: string) => fetch(`${server().url}/dashboard${path}`, { headers: { cookie: `mawjly_session=${alice.auth.cookie}` } });

test("11 short connections, one after the other, make a peak of 1", async () => {
  const app = await alice.createApp();
  for (let i = 0; i < 11; i++) {
    const socket = await RawSocket.connect(server(), app.key);
    socket.close();
    await socket.closed();
  }
  await eventually(() => alice.get(`/apps/${app.id}/live`), (r) => r.body.connections === 0);
  expect((await alice.get(`/apps/${app.id}/usage`)).body.today.connectionsPeak).toBe(1);
  const live = await (await dashboard(`/apps/${app.id}/live.json`)).json();
  expect({ connections: live.connections, peakToday: live.peakToday }).toEqual({ connections: 0, peakToday: 1 });
});

test("messages: published + delivered with the breakdown; the quota figure stays deliveries", async () => {
  const app = await alice.createApp();
  await subscribedSocket(server(), app, "room");
  await subscribedSocket(server(), app, "room");
  expect((await alice.post(`/apps/${app.id}/events`, { name: "tick", data: "1", channel: "room" })).status).toBe(200);
  const usage = await eventually(() => alice.get(`/apps/${app.id}/usage`), (r) => r.body.today.delivered === 2);
  expect(usage.body.today).toEqual({ messages: 3, published: 1, delivered: 2, connectionsPeak: 2 });

  const live = await (await dashboard(`/apps/${app.id}/live.json`)).json();
  expect(live).toMatchObject({ appMessagesToday: 3, appPublishedToday: 1, appDeliveredToday: 2, accountMessagesToday: 2 });
  const page = await (await dashboard(`/apps/${app.id}`)).text();
  expect(page).toContain('Counted like Pusher: <span data-live="appPublishedToday">1</span> published');
  expect(page).toContain('<span data-live="appDeliveredToday">2</span> delivered to connections.');
  expect(page).toContain("Messages delivered today, whole account (the daily quota counts deliveries)");
});

test("the current bucket is flagged partial in every period; the table marks it and names the bucket", async () => {
  const app = await alice.createApp();
  for (const [period, bucket] of [["hour", "minute"], ["day", "hour"], ["month", "day"]] as const) {
    const series = await (await dashboard(`/apps/${app.id}/usage.json?period=${period}`)).json();
    const flags = series.points.map((p: { partial: boolean }) => p.partial);
    expect({ period, last: flags.at(-1), earlier: flags.slice(0, -1).some(Boolean), bucket }).toEqual({ period, last: true, earlier: false, bucket });
  }
  const page = await (await dashboard(`/apps/${app.id}`)).text();
  expect(page).toContain("<caption>Usage per <span data-bucket-name>minute</span> (UTC); the last row is the current <span data-bucket-name>minute</span>, still counting</caption>");
  expect(page.match(/\(so far\)<\/th>/g)).toHaveLength(1);
});

test("after a restart the daily quota continues from today's deliveries, not from the Pusher total", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "mawjly-usage-restart-"));
  try {
    const first = await startServer({ dataDir });
    // Stopped even when an assertion below fails (a failed run left a server behind).
    const stopFirst = () => (first.running() ? first.stop() : Promise.resolve(0));
    let appId = "";
    try {
      await setupAdmin(first);
      cli(first, ["plans", "create", "--id", "tiny", "--name", "Tiny", "--max-apps", "5", "--max-connections", "5", "--max-messages-per-day", "100"]);
      expect(cliCreateAccount(first, "tina@example.com", ["--plan", "tiny"]).planId).toBe("tiny");
      const tina = await signIn(first, "tina@example.com");
      const app = await tina.createApp();
      appId = app.id;
      await subscribedSocket(first, app, "room");
      await subscribedSocket(first, app, "room");
      expect((await tina.post(`/apps/${app.id}/events`, { name: "tick", data: "1", channel: "room" })).status).toBe(200);
      expect((await tina.get("/me")).body.usage.messagesToday).toBe(2);
      closeSockets();
      expect(await first.stop()).toBe(0);
    } finally {
      await stopFirst();
    }

    const second = await startServer({ dataDir });
    try {
      const again = await signIn(second, "tina@example.com");
      expect((await again.get("/me")).body.usage.messagesToday).toBe(2);
      expect((await again.get(`/apps/${appId}/usage`)).body.today).toMatchObject({ messages: 3, published: 1, delivered: 2 });
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
