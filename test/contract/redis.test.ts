/**
 * Every port's contract on the Redis adapters, against a real redis-server this file starts. Each
 * implementation gets its own key prefix, so the tests share one Redis without seeing each other.
 * The broker and the control channel run as three nodes of one cluster.
 */
import { afterAll } from "bun:test";
import { randomBytes } from "node:crypto";
import { RedisBroker } from "../../src/adapters/redis/broker";
import { RedisChannelCache } from "../../src/adapters/redis/cache";
import { connectRedis, type RedisClients } from "../../src/adapters/redis/client";
import { RedisControlChannel } from "../../src/adapters/redis/control";
import { RedisCounters } from "../../src/adapters/redis/counters";
import { Keys } from "../../src/adapters/redis/keys";
import { Mirror } from "../../src/adapters/redis/mirror";
import { RedisChannelRegistry } from "../../src/adapters/redis/registry";
import { RedisShared } from "../../src/adapters/redis/shared";
import { RedisUserRegistry } from "../../src/adapters/redis/users";
import { useRedis } from "../support/redis";
import { brokerContract } from "./broker.contract";
import { cacheContract } from "./cache.contract";
import { controlContract } from "./control.contract";
import { countersContract } from "./counters.contract";
import { fakePubSub } from "./fake-pubsub";
import { registryContract } from "./registry.contract";
import { usersContract } from "./users.contract";

const redis = useRedis();
const opened: RedisClients[] = [];
afterAll(async () => {
  for (const clients of opened) await clients.close();
});

async function clients(): Promise<RedisClients> {
  const c = connectRedis(redis().url, () => {});
  opened.push(c);
  if (!(await c.ready(10_000))) throw new Error("Redis did not answer");
  return c;
}

/** One node of a fresh cluster (its own prefix), or another node of the cluster `prefix` names. */
async function node(prefix = `test:${randomBytes(4).toString("hex")}:`) {
  const c = await clients();
  const keys = new Keys(prefix, randomBytes(4).toString("hex"));
  return { c, keys, shared: new RedisShared(c.commands, keys, new Mirror()) };
}

registryContract("redis", async () => new RedisChannelRegistry((await node()).shared));
usersContract("redis", async () => new RedisUserRegistry((await node()).shared));
cacheContract("redis", async () => new RedisChannelCache((await node()).shared));
// A TTL is Redis's own clock: the test waits the time out for real (a fixed wait on purpose; the
// contract reads the counter before and after, so an expiry that never happens fails it).
countersContract("redis", () => {
  let counters: RedisCounters | undefined;
  const ready = node().then((n) => (counters = new RedisCounters(n.shared)));
  const lazy = {
    add: async (...a: Parameters<RedisCounters["add"]>) => (await ready, counters!.add(...a)),
    addIfBelow: async (...a: Parameters<RedisCounters["addIfBelow"]>) => (await ready, counters!.addIfBelow(...a)),
    get: async (name: string) => (await ready, counters!.get(name)),
  };
  return { counters: lazy, advance: (ms) => Bun.sleep(ms) };
});
controlContract("redis, 3 nodes", 3, async () => {
  const prefix = `test:${randomBytes(4).toString("hex")}:`;
  const channels = [];
  for (let i = 0; i < 3; i++) {
    const { c, keys } = await node(prefix);
    const channel = new RedisControlChannel(c.commands, c.subscriber, keys);
    await channel.ready;
    channels.push(channel);
  }
  return channels;
});
brokerContract(
  "redis, 3 nodes",
  async (n) => {
    const prefix = `test:${randomBytes(4).toString("hex")}:`;
    const nodes = [];
    for (let i = 0; i < n; i++) {
      const { c, keys } = await node(prefix);
      const local = fakePubSub();
      const broker = new RedisBroker(c.commands, c.subscriber, keys, local.publishLocal, local.socket);
      nodes.push({ broker, socket: local.newSocket, settle: () => broker.settled() });
    }
    return nodes;
  },
  3,
);
