/**
 * Private webhook targets through the real server and CLI (src/webhooks/targets.ts). With
 * MAWJLY_WEBHOOK_ALLOW_PRIVATE=0 an IPv4-mapped loopback URL is refused when added, and an endpoint
 * stored earlier is refused at every request and at "send test": the receiver never hears a thing.
 * Unset (the default), an account that is not an admin cannot add one, an admin can.
 */
import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { connected, pusherClient, waitFor } from "../support/clients";
import { startServer, type TestServer } from "../support/server";
import { expectError, newAccount, setupAdmin } from "./api-helpers";
import { addEndpoint, cliAsync, cliIn, createApp, FAST_ENV, logOutcomes, newDataDir, Receiver, storeEnv } from "./webhooks-helpers";

const receiver = new Receiver().start();
const dirs: string[] = [];
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  receiver.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ZERO = { MAWJLY_WEBHOOK_ALLOW_PRIVATE: "0" };
const mapped = () => `http://[::ffff:127.0.0.1]:${receiver.boundPort}/webhooks`;

test("MAWJLY_WEBHOOK_ALLOW_PRIVATE=0: mapped loopback is refused at add, at every delivery and at send test", async () => {
  const dir = await newDataDir();
  dirs.push(dir);
  const app = createApp(dir);
  receiver.trust(app);
  const add = cliIn(dir, ["webhooks", "add", "--app", app.id, "--url", mapped()], ZERO);
  expect({ code: add.code, stderr: add.stderr }).toEqual({
    code: 1,
    stderr: `mawjly: Webhook URL refused: [::ffff:7f00:1] is a private address (this server sets MAWJLY_WEBHOOK_ALLOW_PRIVATE=0)\n`,
  });
  const metadata = cliIn(dir, ["webhooks", "add", "--app", app.id, "--url", "http://[::ffff:a9fe:a9fe]/latest/meta-data/"], ZERO);
  expect(metadata.stderr).toBe(`mawjly: Webhook URL refused: [::ffff:a9fe:a9fe] is a private address (this server sets MAWJLY_WEBHOOK_ALLOW_PRIVATE=0)\n`);

  // Stored while allowed (a CLI app has no owner), the same target works: the refusal below is the rule.
  const { id } = addEndpoint(dir, app, mapped(), ["--events", "channel_occupied"]);
  const allowed = JSON.parse((await cliAsync(dir, ["webhooks", "test", id, "--json"])).stdout);
  expect(allowed).toMatchObject({ outcome: "delivered", status: 200 });
  expect(receiver.received).toBe(1);

  const test1 = await cliAsync(dir, ["webhooks", "test", id, "--json"], ZERO);
  expect(JSON.parse(test1.stdout)).toMatchObject({
    outcome: "failed",
    status: null,
    error: "refused: [::ffff:7f00:1] is a private address (this server sets MAWJLY_WEBHOOK_ALLOW_PRIVATE=0)",
  });

  const server = await startServer({ dataDir: dir, env: { ...FAST_ENV, ...ZERO, ...storeEnv(dir) } });
  servers.push(server);
  const client = pusherClient(server, app);
  try {
    await connected(client);
    await waitFor((cb) => client.subscribe("scan").bind("pusher:subscription_succeeded", cb), 5000, "subscription");
    await receiver.until(() => logOutcomes(dir, app.id).length >= 4, 5000, "the refused delivery in the log");
  } finally {
    client.disconnect();
  }
  const log = JSON.parse(cliIn(dir, ["webhooks", "log", "--app", app.id, "--json"]).stdout);
  expect(log[0]).toMatchObject({ kind: "delivery", outcome: "retrying", status: null, error: "refused: [::ffff:7f00:1] is a private address (this server sets MAWJLY_WEBHOOK_ALLOW_PRIVATE=0)" });
  expect(receiver.received).toBe(1); // only the send test made while allowed
});

test("unset: an account that is not an admin cannot target a private address; an admin can", async () => {
  const server = await startServer({ env: FAST_ENV });
  servers.push(server);
  const admin = await setupAdmin(server);
  const alice = await newAccount(admin, "alice@example.com");
  const theirs = await alice.createApp({ name: "tenant" });
  const RULE = "only admins' apps may target private addresses on this server; MAWJLY_WEBHOOK_ALLOW_PRIVATE=1 allows every app";
  for (const [url, host] of [[mapped(), "[::ffff:7f00:1] is a private address"], ["http://0xa9fea9fe/latest", "169.254.169.254 is a private address"], [`http://localhost:${receiver.boundPort}/`, "localhost is a loopback name"]]) {
    expectError(await alice.post(`/apps/${theirs.id}/webhooks`, { url }), 403, "forbidden", `Webhook URL refused: ${host} (${RULE})`);
  }
  const mine = await admin.createApp({ name: "operator" });
  receiver.trust(mine);
  const added = await admin.post(`/apps/${mine.id}/webhooks`, { url: receiver.url });
  expect(added.status).toBe(201);
  const before = receiver.received;
  const sent = await admin.post(`/apps/${mine.id}/webhooks/${added.body.id}/test`, {});
  expect(sent.body).toMatchObject({ outcome: "delivered", status: 200 });
  expect(receiver.received).toBe(before + 1);
});
