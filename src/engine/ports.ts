/**
 * What the engine needs from the outside world. The transport implements Connection; the server
 * implements Broker with native pub/sub. Nothing here knows about Bun sockets (STYLE.md principle 1).
 */

/** One client socket. It can write, close and join topics; it cannot read (the transport pushes to us). */
export interface Connection {
  /** Sends one text frame. The transport owns backpressure. */
  send(frame: string): void;
  /** Closes with a WebSocket close code and a short reason (≤ 123 bytes on the wire). */
  close(code: number, reason: string): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Publishes to every subscriber of `topic` except this connection (sender exclusion, §4 rule 5). */
  publishExceptSelf(topic: string, frame: string): void;
  /** Sends a WebSocket protocol ping. */
  ping(): void;
}

/** Fan-out to every local subscriber of a topic. Guarantees: frames to one topic arrive in publish order. */
export interface Broker {
  publish(topic: string, frame: string): void;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The topic of one channel of one app; app ids cannot contain ':' so the name is unambiguous. */
export function topicOf(appId: string, channel: string): string {
  return `${appId}:${channel}`;
}

/**
 * Plan quotas, enforced where they bite (ARCHITECTURE.md): connections at connect, messages at the
 * publish path and client events. Counts are per account; the implementation decides where they
 * live (memory on one node, a shared adapter for several).
 */
export interface Quotas {
  /** Reserves one connection; returns a refusal message (→ close 4004) or null. */
  admitConnection(app: { id: string; accountId: string | null }): string | null;
  /** Releases a connection admitted before. */
  connectionClosed(app: { id: string; accountId: string | null }): void;
  /** Counts `count` delivered messages; false (and nothing counted) when the daily quota is used up. */
  admitMessages(app: { id: string; accountId: string | null }, count: number): boolean;
}

export const NO_QUOTAS: Quotas = {
  admitConnection: () => null,
  connectionClosed: () => {},
  admitMessages: () => true,
};
