/**
 * The Broker contract (src/engine/ports.ts): subscribers get every frame of their topics once, in
 * order, except the excluded socket. `newNode()` gives one node's broker with a way to make sockets.
 */
import { describe, expect, test } from "bun:test";
import type { Broker, Connection } from "../../src/engine/ports";

export interface BrokerNode {
  broker: Broker;
  /** A socket of this node with the given id; `received` collects what reaches it. */
  socket(id: string): Connection & { received: string[] };
  /** Resolves once subscription changes made so far are in effect across the cluster (shared brokers). */
  settle?(): Promise<void>;
}

export function brokerContract(name: string, newNodes: (n: number) => BrokerNode[] | Promise<BrokerNode[]>, nodes: number): void {
  describe(`Broker contract: ${name}`, () => {
    const settle = async (check: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!check() && Date.now() < deadline) await Bun.sleep(5);
    };

    test("every subscriber of a topic, on every node, gets each frame once and in order; others get nothing", async () => {
      const cluster = await newNodes(nodes);
      const subs = cluster.map((node, i) => node.socket(`${i}.1`));
      const other = cluster[0]!.socket("0.9");
      cluster.forEach((node, i) => node.broker.subscribe(subs[i]!, "app:c"));
      cluster[0]!.broker.subscribe(other, "app:other");
      await Promise.all(cluster.map((node) => node.settle?.()));
      for (let i = 0; i < 50; i++) cluster[0]!.broker.publish("app:c", `f${i}`);
      const expected = Array.from({ length: 50 }, (_, i) => `f${i}`);
      await settle(() => subs.every((s) => s.received.length >= 50));
      for (const s of subs) expect(s.received).toEqual(expected);
      expect(other.received).toEqual([]);
    });

    test("the excluded socket gets nothing, wherever it lives; unsubscribed sockets stop receiving", async () => {
      const cluster = await newNodes(nodes);
      const a = cluster[0]!.socket("0.1");
      const b = cluster[cluster.length - 1]!.socket(`${cluster.length - 1}.2`);
      cluster[0]!.broker.subscribe(a, "app:c");
      cluster[cluster.length - 1]!.broker.subscribe(b, "app:c");
      await Promise.all(cluster.map((node) => node.settle?.()));
      cluster[0]!.broker.publish("app:c", "not-to-b", `${cluster.length - 1}.2`);
      cluster[0]!.broker.publish("app:c", "to-all");
      await settle(() => a.received.length >= 2 && b.received.length >= 1);
      expect(a.received).toEqual(["not-to-b", "to-all"]);
      expect(b.received).toEqual(["to-all"]);
      cluster[cluster.length - 1]!.broker.unsubscribe(b, "app:c");
      await Promise.all(cluster.map((node) => node.settle?.()));
      cluster[0]!.broker.publish("app:c", "after");
      await settle(() => a.received.length >= 3);
      expect(b.received).toEqual(["to-all"]);
    });
  });
}
