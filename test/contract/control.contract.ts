/** The ControlChannel contract (src/engine/ports.ts): every node, this one included, gets each message once, in order. */
import { describe, expect, test } from "bun:test";
import type { ControlChannel, ControlMessage } from "../../src/engine/ports";

/** `newNodes(n)` returns n channels joined to one cluster (the memory implementation is one node). */
export function controlContract(name: string, nodes: number, newNodes: (n: number) => ControlChannel[] | Promise<ControlChannel[]>): void {
  // newNodes resolves once every node listens (a shared channel subscribes first).
  describe(`ControlChannel contract: ${name}`, () => {
    test("each node receives each message once, in publish order", async () => {
      const channels = await newNodes(nodes);
      const received = channels.map(() => [] as ControlMessage[]);
      channels.forEach((c, i) => c.onMessage((m) => received[i]!.push(m)));
      const sent: ControlMessage[] = [
        { kind: "app_changed", appId: "a" },
        { kind: "terminate_user", appId: "a", userId: "u" },
        { kind: "watchlist", appId: "a", userId: "u", status: "online" },
      ];
      for (const m of sent) channels[0]!.publish(m);
      const deadline = Date.now() + 5000;
      while (received.some((r) => r.length < sent.length) && Date.now() < deadline) await Bun.sleep(5);
      for (const r of received) expect(r).toEqual(sent);
    });
  });
}
