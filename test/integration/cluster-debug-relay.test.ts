/**
 * The debug console across nodes: two DebugLogs joined by RedisDebugRelay over a real Redis. A node
 * sends an app's entries only while a console somewhere watches that app, and the watching node's
 * ring and stream show the other node's events.
 */
import { afterAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { connectRedis, type RedisClients } from "../../src/adapters/redis/client";
import { RedisDebugRelay } from "../../src/adapters/redis/debug-relay";
import { Keys } from "../../src/adapters/redis/keys";
import { DebugLog, type DebugEntry } from "../../src/dashboard/debug-log";
import { LifecycleBus } from "../../src/engine/bus";
import { useRedis } from "../support/redis";

const redis = useRedis();
const opened: { clients: RedisClients; relay: RedisDebugRelay }[] = [];
afterAll(async () => {
  for (const { clients, relay } of opened) {
    relay.stop();
    await clients.close();
  }
});

async function node(prefix: string) {
  const clients = connectRedis(redis().url, () => {});
  if (!(await clients.ready(10_000))) throw new Error("Redis did not answer");
  const relay = new RedisDebugRelay(clients.commands, clients.subscriber, new Keys(prefix, randomBytes(4).toString("hex")));
  opened.push({ clients, relay });
  const bus = new LifecycleBus();
  const log = new DebugLog(300, Date.now, relay);
  log.start(bus);
  return { bus, log, relay };
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await Bun.sleep(20);
  }
}

test("a console on node B shows node A's events for the watched app only, and only while it watches", async () => {
  const prefix = `test:${randomBytes(4).toString("hex")}:`;
  const a = await node(prefix);
  const b = await node(prefix);
  const seen: DebugEntry[] = [];
  const stop = b.log.listen("app1", (entry) => seen.push(entry));
  await until(() => a.relay.watched("app1"));
  expect(a.relay.watched("app2")).toBe(false);

  a.bus.emit("subscribed", { appId: "app1", socketId: "1.1", channel: "room" });
  a.bus.emit("subscribed", { appId: "app2", socketId: "1.2", channel: "other" });
  await until(() => seen.length === 1);
  expect(seen[0]).toMatchObject({ type: "subscribed", socketId: "1.1", channel: "room" });
  expect(b.log.recent("app1").map((e) => e.channel)).toEqual(["room"]);
  expect(b.log.recent("app2")).toEqual([]);
  // B's own events are recorded once, not echoed back through Redis.
  b.bus.emit("occupied", { appId: "app1", channel: "own" });
  await until(() => seen.length === 2);
  expect(b.log.recent("app1").filter((e) => e.channel === "own")).toHaveLength(1);

  stop();
  // The watch expires on its own once nobody renews it.
  await until(() => !a.relay.watched("app1"), 15_000);
}, 60_000);
