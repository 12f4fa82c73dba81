/**
 * Every port's contract on the memory adapters (the single-node default). A shared implementation
 * (Redis) runs the same suites from its own file.
 */
import { LocalBroker } from "../../src/adapters/broker/memory";
import { MemoryChannelCache } from "../../src/adapters/cache/memory";
import { MemoryControlChannel } from "../../src/adapters/control/memory";
import { MemoryCounters } from "../../src/adapters/counters/memory";
import { MemoryChannelRegistry } from "../../src/adapters/registry/memory";
import { MemoryUserRegistry } from "../../src/adapters/users/memory";
import { FakeClock } from "../unit/fakes";
import { brokerContract, type BrokerNode } from "./broker.contract";
import { fakePubSub } from "./fake-pubsub";
import { cacheContract } from "./cache.contract";
import { controlContract } from "./control.contract";
import { countersContract } from "./counters.contract";
import { registryContract } from "./registry.contract";
import { usersContract } from "./users.contract";

registryContract("memory", () => new MemoryChannelRegistry());
usersContract("memory", () => new MemoryUserRegistry());
cacheContract("memory", () => new MemoryChannelCache());
countersContract("memory", () => {
  const clock = new FakeClock();
  return { counters: new MemoryCounters(clock), advance: (ms) => clock.advance(ms) };
});
// One node is the whole cluster for the memory adapters.
controlContract("memory", 1, () => [new MemoryControlChannel()]);
brokerContract("memory (Bun-style local pub/sub)", () => [localNode()], 1);

function localNode(): BrokerNode {
  const local = fakePubSub();
  return { broker: new LocalBroker(local.publishLocal, local.socket), socket: local.newSocket };
}
