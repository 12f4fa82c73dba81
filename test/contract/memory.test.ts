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
import type { Connection } from "../../src/engine/ports";
import { FakeClock } from "../unit/fakes";
import { brokerContract, type BrokerNode } from "./broker.contract";
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

/** A node whose local pub/sub behaves like Bun's: ws.publish skips the publishing socket. */
function localNode(): BrokerNode {
  const topics = new Map<string, Set<Connection & { received: string[] }>>();
  const sockets = new Map<string, Connection & { received: string[] }>();
  const deliver = (topic: string, frame: string, except?: Connection) => {
    for (const s of topics.get(topic) ?? []) if (s !== except) s.received.push(frame);
  };
  const broker = new LocalBroker(deliver, (_topic, id) => sockets.get(id));
  return {
    broker,
    socket(id) {
      const socket: Connection & { received: string[] } = {
        received: [],
        send: (frame) => socket.received.push(frame),
        close: () => {},
        subscribe: (topic) => void (topics.get(topic) ?? topics.set(topic, new Set()).get(topic)!).add(socket),
        unsubscribe: (topic) => void topics.get(topic)?.delete(socket),
        publishExceptSelf: (topic, frame) => deliver(topic, frame, socket),
        ping: () => {},
      };
      sockets.set(id, socket);
      return socket;
    },
  };
}
