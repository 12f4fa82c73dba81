/**
 * Cluster nodes on one data directory share the webhook outbox: a channel_vacated held by node A is
 * cancelled when node B sees the channel occupied again inside the window (PUSHER-PROTOCOL.md §6.4),
 * and nothing is cancelled once the window has passed. Two webhook stacks over two connections to one
 * real migrated database stand for the two nodes.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteAppPeek } from "../../src/apps/peek";
import { AppStore } from "../../src/apps/store";
import { LifecycleBus } from "../../src/engine/bus";
import { openDatabase } from "../../src/store/database";
import { SqliteDb } from "../../src/store/sqlite";
import { startWebhooks, type Webhooks } from "../../src/webhooks";
import { FakeClock, makeApp } from "./fakes";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function twoNodes() {
  const dir = mkdtempSync(join(tmpdir(), "mawjly-wh-cluster-"));
  const clock = new FakeClock();
  const nodes: { db: SqliteDb; bus: LifecycleBus; webhooks: Webhooks }[] = [];
  for (const _ of [0, 1]) {
    const db = new SqliteDb(openDatabase(dir));
    const apps = new SqliteAppPeek(db.raw);
    const bus = new LifecycleBus();
    // Neither node delivers: the test looks at the shared outbox itself.
    const webhooks = await startWebhooks({ db, bus, apps, clock, delivering: () => false, config: { pollMs: 50, delayMs: 3000 } });
    nodes.push({ db, bus, webhooks });
  }
  await new AppStore(nodes[0]!.db).insert(makeApp());
  await nodes[0]!.webhooks.service.add("3", { url: "http://receiver.invalid/" });
  for (const node of nodes) await node.webhooks.service.onChange?.("");
  cleanup.push(async () => {
    for (const node of nodes) {
      await node.webhooks.stop();
      await node.db.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const rows = () => nodes[0]!.db.all("SELECT type, channel FROM webhook_outbox ORDER BY seq");
  // The tick writer commits at the end of the tick.
  const committed = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
  return { nodes, clock, rows, committed };
}

test("a removal held on node A is cancelled by the comeback node B sees inside the window", async () => {
  const { nodes, clock, rows, committed } = await twoNodes();
  nodes[0]!.bus.emit("vacated", { appId: "3", channel: "room" });
  await committed();
  expect(await rows()).toEqual([{ type: "channel_vacated", channel: "room" }]);
  clock.advance(1000);
  nodes[1]!.bus.emit("occupied", { appId: "3", channel: "room" });
  await committed();
  expect(await rows()).toEqual([]);
});

test("after the window the comeback is a webhook of its own", async () => {
  const { nodes, clock, rows, committed } = await twoNodes();
  nodes[0]!.bus.emit("vacated", { appId: "3", channel: "room" });
  await committed();
  clock.advance(3000);
  nodes[1]!.bus.emit("occupied", { appId: "3", channel: "room" });
  await committed();
  expect(await rows()).toEqual([
    { type: "channel_vacated", channel: "room" },
    { type: "channel_occupied", channel: "room" },
  ]);
});
