/**
 * The cluster's Broker: Redis pub/sub between nodes, Bun's pub/sub on each node. A publish is
 * delivered on this node at once (LocalBroker) and sent once to Redis; every other node that has a
 * subscriber for the topic delivers it to its own sockets, honouring the excluded socket wherever it
 * lives. A node subscribes to a topic's Redis channel with its first local subscriber and leaves it
 * with its last, so Redis carries a channel's traffic only to interested nodes.
 *
 * Wire format: `<origin node>\n<excluded socket id or empty>\n<frame>`; a node ignores its own echo.
 * Order: one node publishes on one connection, and Redis keeps a connection's order.
 */
import type Redis from "ioredis";
import type { Broker, Connection } from "../../engine/ports";
import { LocalBroker } from "../broker/memory";
import type { Keys } from "./keys";

/** How long a new subscriber waits at most for Redis to confirm its node's subscription. */
const CONFIRM_WAIT_MS = 2000;

export class RedisBroker implements Broker {
  private readonly interest = new Map<string, number>();
  /** Topics whose first SUBSCRIBE is not confirmed yet; later subscribers wait for it too. */
  private readonly confirming = new Map<string, Promise<void>>();
  /** The last SUBSCRIBE/UNSUBSCRIBE sent; Redis answers them in order. */
  private lastChange: Promise<unknown> = Promise.resolve();
  private readonly local: LocalBroker;
  /** Frames received from Redis, for /metrics and tests. */
  received = 0;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly keys: Keys,
    publishLocal: (topic: string, frame: string) => void,
    socket: (topic: string, socketId: string) => Connection | undefined,
  ) {
    this.local = new LocalBroker(publishLocal, socket);
    // After a reconnect, every topic of this node again (SUBSCRIBE is idempotent): ioredis re-subscribes
    // what it knew, but a subscription queued while Redis was away is not to be trusted (client.ts).
    subscriber.on("ready", () => {
      const topics = [...this.interest.keys()].map((topic) => keys.topic(topic));
      for (let i = 0; i < topics.length; i += 1000) subscriber.subscribe(...topics.slice(i, i + 1000)).catch(() => {});
    });
    const prefix = keys.topic("");
    subscriber.on("message", (channel: string, message: string) => {
      if (!channel.startsWith(prefix)) return;
      const origin = message.indexOf("\n");
      const except = message.indexOf("\n", origin + 1);
      if (origin < 0 || except < 0 || message.slice(0, origin) === keys.node) return;
      this.received++;
      const excluded = message.slice(origin + 1, except);
      this.local.publish(channel.slice(prefix.length), message.slice(except + 1), excluded === "" ? undefined : excluded);
    });
  }

  publish(topic: string, frame: string, except?: string): void {
    this.local.publish(topic, frame, except);
    // Best effort across nodes (ports.ts): while Redis is unreachable, other nodes miss the frame.
    this.publisher.publish(this.keys.topic(topic), `${this.keys.node}\n${except ?? ""}\n${frame}`).catch(() => {});
  }

  /** Answers once Redis confirmed this node's subscription to the topic (at once if it already had one). */
  subscribe(conn: Connection, topic: string): Promise<void> | undefined {
    this.local.subscribe(conn, topic);
    const n = (this.interest.get(topic) ?? 0) + 1;
    this.interest.set(topic, n);
    if (n === 1) {
      const confirmed = this.subscriber.subscribe(this.keys.topic(topic)).then(
        () => void this.confirming.delete(topic),
        () => void this.confirming.delete(topic), // Redis away: the re-subscribe on "ready" covers it
      );
      this.confirming.set(topic, confirmed);
      this.lastChange = confirmed;
    }
    // While Redis is away nobody else can publish to us anyway: the socket is served locally at once,
    // and the re-subscribe on "ready" brings the topic back. Nor does a socket wait longer than
    // CONFIRM_WAIT_MS for a confirmation that Redis, gone meanwhile, may only give when it is back.
    const confirming = this.confirming.get(topic);
    if (this.subscriber.status !== "ready" || confirming === undefined) return undefined;
    return Promise.race([confirming, Bun.sleep(CONFIRM_WAIT_MS)]);
  }

  unsubscribe(conn: Connection, topic: string): void {
    this.local.unsubscribe(conn, topic);
    const n = (this.interest.get(topic) ?? 0) - 1;
    if (n > 0) return void this.interest.set(topic, n);
    this.interest.delete(topic);
    if (n === 0) this.lastChange = this.subscriber.unsubscribe(this.keys.topic(topic)).catch(() => {});
  }

  /** Resolves when Redis has confirmed every subscription change made so far (tests wait on it). */
  async settled(): Promise<void> {
    await this.lastChange;
  }

  /** Topics this node receives from Redis. */
  topics(): number {
    return this.interest.size;
  }
}
