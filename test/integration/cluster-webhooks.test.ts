/**
 * Webhooks in a cluster (issue 11, item 5): channel_occupied, channel_vacated, member_added and
 * member_removed are decided once for the cluster and sent once (not once per node); one node at a
 * time delivers the shared outbox (a lease in Redis), and when that node is SIGKILLed another takes
 * over: every later event still arrives, once.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import IORedis from "ioredis";
import type { App } from "../../src/engine/app";
import { useCluster } from "../support/cluster";
import type { TestServer } from "../support/server";
import { eventsFor, join, PREFIX, until, webhookAppIn } from "./cluster-helpers";
import { attachDatabase, FAST_ENV, outboxRows, Receiver } from "./webhooks-helpers";
import { cleanup } from "./ws-helpers";

const cluster = useCluster({ nodes: 3, startTimeoutMs: 60_000, env: { ...FAST_ENV, MAWJLY_WEBHOOK_ALLOW_PRIVATE: "1" } });
const receiver = new Receiver();
beforeAll(() => {
  receiver.start();
  // PostgreSQL mode: the outbox is read from the cluster's database (when support/cluster.ts names it).
  attachDatabase(cluster().dataDir, (cluster() as { databaseUrl?: string }).databaseUrl);
});
afterAll(() => receiver.stop());
afterEach(cleanup);

const webhookApp = () => webhookAppIn(cluster(), receiver);
const eventsOf = (app: App) => eventsFor(receiver, app);
const named = (app: App, name: string, channel: string) => eventsOf(app).filter((e) => e.name === name && e.channel === channel);

/**
 * Waits until `channel` is occupied for `app` (a later event than everything before it), then until
 * the shared outbox is empty: every event enqueued before has been sent, so counts are final.
 */
async function settle(app: App, node: TestServer, channel: string, ms = 10_000): Promise<void> {
  await join(node, app, channel);
  await receiver.until(() => named(app, "channel_occupied", channel).length > 0, ms, `sentinel ${channel}`);
  await until(() => outboxRows(cluster().dataDir).length, (n) => n === 0, ms, "an empty outbox");
}

test("channel_occupied and channel_vacated are sent once for the cluster", async () => {
  const app = await webhookApp();
  const [n0, n1, n2] = cluster().nodes;
  const subs = [await join(n0!, app, "room"), await join(n1!, app, "room"), await join(n2!, app, "room")];
  expect(await receiver.event((e) => e.name === "channel_occupied" && e.channel === "room", 10_000)).toEqual({ name: "channel_occupied", channel: "room" });
  for (const s of subs) s.close();
  expect(await receiver.event((e) => e.name === "channel_vacated" && e.channel === "room", 10_000)).toEqual({ name: "channel_vacated", channel: "room" });
  await settle(app, n2!, "sentinel-1");
  expect(named(app, "channel_occupied", "room").length).toBe(1);
  expect(named(app, "channel_vacated", "room").length).toBe(1);
  expect(receiver.requests.filter((r) => r.key === app.key).every((r) => r.valid)).toBe(true);
});

test("member_added and member_removed are sent once for a user on two nodes", async () => {
  const app = await webhookApp();
  const [n0, n1, n2] = cluster().nodes;
  const ch = "presence-hooks";
  const u1 = await join(n0!, app, ch, "u");
  const u2 = await join(n1!, app, ch, "u");
  const v = await join(n2!, app, ch, "v");
  for (const user of ["u", "v"]) await receiver.event((e) => e.name === "member_added" && e.user_id === user, 10_000);
  u1.close();
  u2.close();
  expect(await receiver.event((e) => e.name === "member_removed" && e.user_id === "u", 10_000)).toEqual({ name: "member_removed", channel: ch, user_id: "u" });
  v.close();
  await receiver.event((e) => e.name === "channel_vacated" && e.channel === ch, 10_000);
  await settle(app, n0!, "sentinel-2");
  const members = eventsOf(app).filter((e) => e.channel === ch);
  expect(members.filter((e) => e.name === "member_added").map((e) => e.user_id).sort()).toEqual(["u", "v"]);
  expect(members.filter((e) => e.name === "member_removed").map((e) => e.user_id).sort()).toEqual(["u", "v"]);
  expect(members.filter((e) => e.name === "channel_occupied").length).toBe(1);
  expect(members.filter((e) => e.name === "channel_vacated").length).toBe(1);
});

/** The index of the node holding the webhook lease (its id is in its "joined the cluster" line). */
async function holderIndex(): Promise<number> {
  const redis = new IORedis(cluster().redis.url);
  try {
    const holder = await redis.get(`${PREFIX}lease:webhooks`);
    return cluster().nodes.findIndex((n) => n.running() && n.output().includes(`node ${holder} joined`));
  } finally {
    redis.disconnect();
  }
}

test("SIGTERM of the delivering node: the vacated channel and removed member it leaves behind are sent once", async () => {
  const app = await webhookApp();
  const index = await holderIndex();
  expect(index).toBeGreaterThanOrEqual(0);
  const other = cluster().nodes[(index + 1) % 3]!;
  const ch = "presence-graceful";
  await join(cluster().nodes[index]!, app, ch, "leaver");
  await join(other, app, "lone-elsewhere");
  await join(cluster().nodes[index]!, app, "lone-on-holder");
  await receiver.event((e) => e.name === "member_added" && e.user_id === "leaver", 10_000);
  await receiver.event((e) => e.name === "channel_occupied" && e.channel === "lone-on-holder", 10_000);
  expect(await cluster().nodes[index]!.stop()).toBe(0);
  await receiver.event((e) => e.name === "channel_vacated" && e.channel === "lone-on-holder", 15_000);
  await receiver.event((e) => e.name === "member_removed" && e.user_id === "leaver", 15_000);
  await settle(app, other, "sentinel-4", 15_000);
  expect(eventsOf(app).map((e) => `${e.name} ${e.channel} ${e.user_id ?? ""}`.trim()).sort()).toEqual([
    "channel_occupied lone-elsewhere",
    "channel_occupied lone-on-holder",
    "channel_occupied presence-graceful",
    "channel_occupied sentinel-4",
    "channel_vacated lone-on-holder",
    "channel_vacated presence-graceful",
    "member_added presence-graceful leaver",
    "member_removed presence-graceful leaver",
  ]);
  await cluster().restartNode(index);
}, 90_000);

test("after SIGKILL of the delivering node, another node delivers every later event once", async () => {
  const app = await webhookApp();
  const index = await holderIndex();
  expect(index).toBeGreaterThanOrEqual(0);
  const survivors = cluster().nodes.filter((_, i) => i !== index);

  // Quiet: nothing is in flight when the holder dies (its own sockets hold no channel).
  const before = await join(survivors[0]!, app, "before");
  await receiver.event((e) => e.name === "channel_occupied" && e.channel === "before", 10_000);
  await until(() => outboxRows(cluster().dataDir).length, (n) => n === 0, 10_000, "an empty outbox");
  await cluster().nodes[index]!.kill();

  before.close();
  await join(survivors[1]!, app, "after");
  // The lease runs out within ~5 s; then a survivor takes it and sends what waited.
  await receiver.event((e) => e.name === "channel_vacated" && e.channel === "before", 20_000);
  await receiver.event((e) => e.name === "channel_occupied" && e.channel === "after", 20_000);
  await settle(app, survivors[0]!, "sentinel-3", 20_000);
  expect(eventsOf(app).map((e) => `${e.name} ${e.channel}`).sort()).toEqual(
    ["channel_occupied after", "channel_occupied before", "channel_occupied sentinel-3", "channel_vacated before"],
  );
});
