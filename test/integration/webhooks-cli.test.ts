/**
 * `mawjly webhooks …` through the real CLI against a running server's data dir: exact error lines
 * and exit codes (2 usage, 1 bad input), add/list/update/remove/log/test/redeliver, and a running
 * server picking up an endpoint and a redelivery made by the CLI process.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import type { App } from "../../src/engine/app";
import type { DeliveryLogEntry, WebhookEndpoint } from "../../src/webhooks/schema";
import { connected, pusherClient, waitFor } from "../support/clients";
import { BUN, MAIN, useServer } from "../support/server";
import { FAST_ENV, newDataDir, Receiver, storeEnv } from "./webhooks-helpers";

let dataDir: string;
beforeAll(async () => {
  dataDir = await newDataDir();
});
// Its own data dir (or PostgreSQL database), so that the commands run below can be pointed at it.
const server = useServer(() => ({ dataDir, env: { ...FAST_ENV, ...storeEnv(dataDir) } }));
let app: App;
const receiver = new Receiver().start();

beforeAll(async () => {
  app = server().createApp();
  receiver.trust(app);
});
afterAll(() => {
  receiver.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (args: string[]) => server().cli(["webhooks", ...args]);

/** For commands that talk to the receiver in this process: spawnSync would block its event loop. */
async function cliAsync(args: string[]): Promise<{ code: number; stdout: string }> {
  const proc = Bun.spawn([BUN, MAIN, "webhooks", ...args, "--data-dir", server().dataDir], { env: { ...process.env, ...FAST_ENV, ...storeEnv(dataDir) } });
  const stdout = await new Response(proc.stdout).text();
  return { code: await proc.exited, stdout };
}

test("usage and input errors: one line, exit 2 for usage, 1 for bad input", () => {
  expect(cli(["add", "--url", "http://x"])).toMatchObject({ code: 2, stderr: "mawjly: webhooks add: --app is required\n" });
  expect(cli(["add", "--app", app.id])).toMatchObject({ code: 2, stderr: "mawjly: webhooks add: --url is required\n" });
  expect(cli(["frobnicate"]).code).toBe(2);
  expect(cli(["list", "--app", app.id, "--bogus"]).code).toBe(2);
  expect(cli(["add", "--app", app.id, "--url", "ftp://example.com/hook"])).toMatchObject({
    code: 1,
    stderr: "mawjly: Invalid webhook URL 'ftp://example.com/hook': use an absolute http:// or https:// URL\n",
  });
  expect(cli(["add", "--app", app.id, "--url", "http://example.com/", "--events", "channel_occupied,member_joined"])).toMatchObject({
    code: 1,
    stderr:
      "mawjly: Unknown webhook event type 'member_joined': use channel_occupied, channel_vacated, member_added, member_removed, client_event, cache_miss, subscription_count\n",
  });
  expect(cli(["add", "--app", "nope", "--url", "http://example.com/"])).toMatchObject({ code: 1, stderr: "mawjly: No app with id or key 'nope'\n" });
  expect(cli(["remove", "wh_missing"])).toMatchObject({ code: 1, stderr: "mawjly: No webhook endpoint with id 'wh_missing'\n" });
});

test("add, list, update, test, log, redeliver, remove — with the running server picking the changes up", async () => {
  const added = cli(["add", "--app", app.id, "--url", receiver.url, "--json"]);
  expect(added.code).toBe(0);
  const endpoint = JSON.parse(added.stdout) as WebhookEndpoint;
  expect(endpoint.events).toEqual(["channel_occupied", "channel_vacated", "member_added", "member_removed", "cache_miss", "subscription_count"]);
  expect(endpoint).toMatchObject({ appId: app.id, url: receiver.url, enabled: true, batch: false });

  const listed = JSON.parse(cli(["list", "--app", app.id, "--json"]).stdout) as WebhookEndpoint[];
  expect(listed).toEqual([endpoint]);
  expect(cli(["list", "--app", app.key]).stdout).toContain(`${endpoint.id}\tenabled \tsingle\t${receiver.url}`);

  // The server notices the CLI's endpoint within MAWJLY_WEBHOOK_POLL_MS (100 ms here).
  const client = pusherClient(server(), app);
  try {
    await connected(client);
    for (let i = 0; receiver.delivered().length === 0; i++) {
      if (i > 50) throw new Error("the server never picked up the endpoint added by the CLI");
      const ch = client.subscribe(`cli-probe-${i}`);
      await waitFor((cb) => ch.bind("pusher:subscription_succeeded", cb));
      // Each probe's channel_occupied is delivered at once if the endpoint is known by then.
      await receiver.until(() => receiver.delivered().length > 0, 100).catch(() => undefined);
    }
  } finally {
    client.disconnect();
  }

  const tested = await cliAsync(["test", endpoint.id, "--event", "member_added", "--json"]);
  expect(tested.code).toBe(0);
  expect(JSON.parse(tested.stdout)).toMatchObject({ kind: "test", outcome: "delivered", status: 200, eventTypes: ["member_added"] });
  const testEvent = await receiver.event((e) => e.user_id === "webhook-test");
  expect(testEvent).toEqual({ name: "member_added", channel: "presence-webhook-test", user_id: "webhook-test" });
  expect(receiver.requests.every((r) => r.valid)).toBe(true);

  const log = JSON.parse(cli(["log", "--app", app.id, "--json"]).stdout) as DeliveryLogEntry[];
  // The probes' channel_vacated follow 300 ms after the disconnect and may be logged (newest first)
  // before or after the test send: pick each entry by its kind and event type, not by position.
  expect(log.filter((e) => e.kind === "test")).toEqual([expect.objectContaining({ kind: "test", endpointId: endpoint.id, eventTypes: ["member_added"] })]);
  const delivery = log.find((e) => e.kind === "delivery" && e.outcome === "delivered" && e.eventTypes[0] === "channel_occupied")!;
  expect(delivery).toMatchObject({ attempt: 1, status: 200, eventCount: 1, eventTypes: ["channel_occupied"] });
  expect(typeof delivery.latencyMs).toBe("number");
  expect(cli(["log", "--app", app.id, "--limit", "1"]).stdout.trim().split("\n")).toHaveLength(1);

  const before = receiver.delivered().length;
  const redelivered = cli(["redeliver", String(delivery.id)]);
  expect(redelivered).toMatchObject({ code: 0, stdout: `Queued 1 event(s) again for ${endpoint.id}\n` });
  await receiver.until(() => receiver.delivered().length > before, 3000, "the redelivered event");
  expect(cli(["redeliver", "999999"])).toMatchObject({ code: 1, stderr: "mawjly: No webhook delivery with id '999999'\n" });

  const updated = JSON.parse(cli(["update", endpoint.id, "--disabled", "--batch", "--events", "client_event", "--json"]).stdout);
  expect(updated).toMatchObject({ enabled: false, batch: true, events: ["client_event"] });
  expect(cli(["update", endpoint.id])).toMatchObject({ code: 2 });

  expect(cli(["remove", endpoint.id])).toMatchObject({ code: 0, stdout: `Removed webhook endpoint ${endpoint.id} (${receiver.url})\n` });
  expect(cli(["list", "--app", app.id]).stdout).toContain("No webhook endpoints yet");
});
