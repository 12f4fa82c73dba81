/**
 * Node liveness. Every node refreshes its entry in the `nodes` sorted set (expiry in Redis's own
 * clock, so hosts' clocks do not matter) every second, for 5 s. Every node also looks for expired
 * entries every second; for each, exactly one survivor wins `SET reap:{node} NX` and takes the dead
 * node's share out of every count in one script (WITHDRAW), then reports what that changed (members
 * removed, channels vacated, users gone offline) so the engine sends the events once. A node is gone
 * from every count within about 6 s of its last heartbeat.
 *
 * A node that finds itself missing from `nodes` (Redis restarted empty, or the others took it for dead
 * during an outage) registers its whole share again from its mirror (REREGISTER).
 */
import type { NodeDeparture } from "../../engine/departure";
import type { RedisShared } from "./shared";

export const HEARTBEAT_MS = 1000;
export const NODE_TTL_MS = 5000;

export interface Departure extends NodeDeparture {
  node: string;
}

export class Membership {
  private timer: ReturnType<typeof setInterval> | undefined;
  private beating = false;
  /** Since when this node's heartbeats go through without a failure (Infinity: not now). */
  private beatingSince = Infinity;

  constructor(
    private readonly s: RedisShared,
    private readonly onDeparture: (departure: Departure) => void,
    private readonly log: (line: string) => void = console.error,
  ) {}

  /** Registers this node; resolves after the first heartbeat (or at once if Redis is down). */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref?.();
  }

  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const { keys } = this.s;
      const heartbeat = async () => Number(((await this.s.script("HEARTBEAT", [keys.nodes], [keys.node, NODE_TTL_MS])) as [number, number])[0]);
      if ((await heartbeat()) === 0 || !this.s.healthy) {
        await this.reregister(); // it also forgets the node: register it again after
        await heartbeat();
      }
      // After an outage every node's entry looks expired until the others had time to beat again:
      // reap only once this node's own heartbeats went through for longer than a node's TTL.
      if (Date.now() - this.beatingSince < NODE_TTL_MS + 2 * HEARTBEAT_MS) return;
      const dead = (await this.s.script("EXPIRED", [keys.nodes], [keys.node])) as string[];
      for (const node of dead) await this.reap(node);
    } catch {
      this.s.healthy = false;
      this.beatingSince = Infinity;
    } finally {
      this.beating = false;
    }
  }

  /**
   * This node's share written again from its mirror. Healthy from this very tick: later calls go to
   * Redis on the same connection, so Redis runs them after this script, and the mirror already holds
   * every call sent before it (the adapters update it first).
   */
  private async reregister(): Promise<void> {
    this.s.healthy = true;
    const share = JSON.stringify(this.s.mirror.share());
    await this.s.script("REREGISTER", [], [this.s.keys.prefix, this.s.keys.node, share]);
    if (this.beatingSince === Infinity) this.beatingSince = Date.now();
  }

  private async reap(node: string): Promise<void> {
    const claim = await this.s.redis.set(`${this.s.keys.prefix}reap:${node}`, this.s.keys.node, "PX", 60_000, "NX");
    if (claim !== "OK") return;
    // The claim outlives the clean-up on purpose (60 s): a node that comes back registers anew.
    const [channels, members, users] = (await this.s.script("WITHDRAW", [], [this.s.keys.prefix, node, "expired"])) as [string[], string[], string[]];
    const departure: Departure = { node, channels: [], members: [], users: [] };
    for (let i = 0; i < channels.length; i += 4) {
      departure.channels.push({ appId: channels[i]!, channel: channels[i + 1]!, count: Number(channels[i + 2]), vacated: Number(channels[i + 3]) === 1 });
    }
    for (let i = 0; i < members.length; i += 3) departure.members.push({ appId: members[i]!, channel: members[i + 1]!, userId: members[i + 2]! });
    for (let i = 0; i < users.length; i += 2) departure.users.push({ appId: users[i]!, userId: users[i + 1]! });
    this.log(
      `mawjly: node ${node} stopped answering; removed its ${departure.channels.length} channel subscriptions, ` +
        `${departure.members.length} presence members and ${departure.users.length} signed-in users`,
    );
    this.onDeparture(departure);
  }

  /** Leaves the cluster: this node's share is taken out at once (after its sockets closed). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.s.script("WITHDRAW", [], [this.s.keys.prefix, this.s.keys.node, "self"]).catch(() => {});
  }
}
