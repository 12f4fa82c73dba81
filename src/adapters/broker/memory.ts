/**
 * The one-node Broker: Bun's native pub/sub does the fan-out, so a publish is one `server.publish`.
 * Sender exclusion publishes through the excluded socket (Bun's ws.publish skips the socket itself);
 * an excluded socket that is not on this node excludes nobody here.
 */
import type { Broker, Connection } from "../../engine/ports";

export class LocalBroker implements Broker {
  constructor(
    /** Publishes to every local subscriber of the topic. */
    private readonly publishLocal: (topic: string, frame: string) => void,
    /** The local socket with this id among the topic's app's sockets, if any. */
    private readonly socket: (topic: string, socketId: string) => Connection | undefined,
  ) {}

  publish(topic: string, frame: string, except?: string): void {
    const excluded = except === undefined ? undefined : this.socket(topic, except);
    if (excluded !== undefined) excluded.publish(topic, frame);
    else this.publishLocal(topic, frame);
  }

  subscribe(conn: Connection, topic: string): void {
    conn.subscribe(topic);
  }

  unsubscribe(conn: Connection, topic: string): void {
    conn.unsubscribe(topic);
  }
}
