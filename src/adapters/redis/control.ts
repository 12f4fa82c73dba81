/**
 * The ControlChannel over Redis pub/sub: a message is applied on this node at once and sent to the
 * others through one Redis channel (in order per publisher, at most once; a node ignores its own echo).
 */
import type Redis from "ioredis";
import type { ControlChannel, ControlMessage } from "../../engine/ports";
import type { Keys } from "./keys";

export class RedisControlChannel implements ControlChannel {
  private handler: (message: ControlMessage) => void = () => {};
  /** Resolves once Redis confirmed this node's subscription to the control channel. */
  readonly ready: Promise<unknown>;

  constructor(
    private readonly publisher: Redis,
    subscriber: Redis,
    private readonly keys: Keys,
  ) {
    this.ready = subscriber.subscribe(keys.control).catch(() => {});
    // Again after every reconnect: a subscription queued while Redis was away is not to be trusted.
    subscriber.on("ready", () => void subscriber.subscribe(keys.control).catch(() => {}));
    subscriber.on("message", (channel: string, text: string) => {
      if (channel !== keys.control) return;
      let parsed: { origin: string; message: ControlMessage };
      try {
        parsed = JSON.parse(text);
      } catch {
        return;
      }
      if (parsed.origin !== keys.node) this.handler(parsed.message);
    });
  }

  publish(message: ControlMessage): void {
    this.handler(message);
    this.publisher.publish(this.keys.control, JSON.stringify({ origin: this.keys.node, message })).catch(() => {});
  }

  onMessage(handler: (message: ControlMessage) => void): void {
    this.handler = handler;
  }
}
