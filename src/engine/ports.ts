/**
 * What the engine needs from the outside world, each port with its guarantees (STYLE.md principle 2,
 * centrifuge's broker.go). The transport implements Connection; adapters/<port>/memory.ts implement
 * the rest for one node, and a shared implementation (Redis) must pass the same contract suite
 * (test/contract/). Nothing here knows about Bun sockets, Redis or SQLite.
 *
 * Answers are `MaybePromise`: memory adapters answer at once, shared ones may answer later. The engine
 * runs one socket's frames in order whatever the adapter does (engine/steps.ts), so a socket never sees the
 * answer to a later frame before an earlier one.
 */
import type { MaybePromise } from "./maybe";

/**
 * One client socket. It can write, close and join topics; it cannot read (the transport pushes to us).
 * Bun's ServerWebSocket is one as it is (src/transport/bun-websocket.ts), so a socket costs no adapter
 * object: the names and meanings follow it.
 */
export interface Connection {
  /** Sends one text frame. The transport owns backpressure. */
  send(frame: string): void;
  /** Closes with a WebSocket close code and a short reason (the engine cuts it to 120 characters). */
  close(code: number, reason: string): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Local fan-out to every subscriber of `topic` on this node but this socket. Only brokers call it. */
  publish(topic: string, frame: string): void;
  /** Sends a WebSocket protocol ping. */
  ping(): void;
}

/**
 * Fan-out of frames to topics, across every node that has subscribers.
 * - Order: frames one node publishes to one topic arrive at each subscriber in publish order.
 * - At most once per subscriber; the socket `except` (if any, wherever it lives) receives nothing.
 * - subscribe/unsubscribe are told of every local subscription, so a shared broker carries a topic's
 *   traffic only to nodes that have a subscriber for it (interest follows the first and last one).
 *   Once subscribe's answer is there, frames published anywhere reach the socket (the engine joins the
 *   registry only then, so a member_added published right after the join is never missed).
 * - Delivery is best effort: a frame published while a node is unreachable is lost for that node
 *   (Pusher's delivery guarantee is the same: clients reconcile through the HTTP API or cache channels).
 */
export interface Broker {
  publish(topic: string, frame: string, except?: string): void;
  subscribe(conn: Connection, topic: string): MaybePromise<void>;
  unsubscribe(conn: Connection, topic: string): void;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The topic of one channel of one app; app ids cannot contain ':' so the name is unambiguous. */
export function topicOf(appId: string, channel: string): string {
  return `${appId}:${channel}`;
}

export interface PresenceMember {
  id: string;
  info: unknown;
}

/** The `presence` object of subscription_succeeded (PUSHER-PROTOCOL.md §2.4). */
export interface PresenceSnapshot {
  ids: string[];
  hash: Record<string, unknown>;
  count: number;
}

export interface JoinResult {
  /** The member limit refused a new user; nothing was recorded. */
  full: boolean;
  /** This was the channel's first subscriber in the whole cluster (→ channel_occupied). */
  occupied: boolean;
  /** Presence: this was the user's first socket in the channel cluster-wide (→ member_added). */
  memberAdded: boolean;
  /** Subscribers after the join. */
  count: number;
  /** Presence: the members after the join. */
  presence?: PresenceSnapshot;
}

export interface LeaveResult {
  /** The channel's last subscriber in the cluster left (→ channel_vacated). */
  vacated: boolean;
  /** Presence: the user's last socket in the channel left (→ member_removed). */
  memberRemoved: boolean;
  count: number;
}

export interface ChannelCounts {
  name: string;
  subscriptionCount: number;
  /** Presence channels only. */
  userCount?: number;
}

/**
 * Which sockets are connected and subscribed where, for the whole cluster. Every transition is decided
 * atomically by the registry, so first/last events (occupied, vacated, member added/removed) happen
 * exactly once whichever node's socket caused them. Per socket and channel, the engine calls join at
 * most once before the matching leave, and connect before disconnect.
 */
export interface ChannelRegistry {
  /** Counts a connection of an app unless the app already has `limit` (0 = no limit); false = refused. */
  connect(appId: string, socketId: string, limit: number): MaybePromise<boolean>;
  disconnect(appId: string, socketId: string): MaybePromise<void>;
  connections(appId: string): MaybePromise<number>;
  /**
   * Adds a socket to a channel. With `member`, the channel is a presence channel: a user not yet a
   * member is refused (full) when the channel already has `memberLimit` members; a user who joins
   * again keeps the user_info of the first join (§2.5 [REC]).
   */
  join(appId: string, channel: string, socketId: string, member?: PresenceMember, memberLimit?: number): MaybePromise<JoinResult>;
  leave(appId: string, channel: string, socketId: string, userId?: string): MaybePromise<LeaveResult>;
  /** Subscribers of one channel (0 when vacant). */
  count(appId: string, channel: string): MaybePromise<number>;
  /** Occupied channels whose name starts with `prefix`, in no particular order. */
  channels(appId: string, prefix: string): MaybePromise<ChannelCounts[]>;
  /** Members of a presence channel in join order (empty when vacant). */
  members(appId: string, channel: string): MaybePromise<PresenceMember[]>;
}

/**
 * Signed-in users (§3.4) across the cluster: a user is online while at least one socket is signed in as
 * them. signIn/signOut are called once per socket and answer whether it was the first/last one.
 */
export interface UserRegistry {
  signIn(appId: string, userId: string, socketId: string): MaybePromise<boolean>;
  signOut(appId: string, userId: string, socketId: string): MaybePromise<boolean>;
  /** The ids of `userIds` that are online now. */
  online(appId: string, userIds: string[]): MaybePromise<string[]>;
  /** How many users are signed in. */
  count(appId: string): MaybePromise<number>;
}

export interface CachedEvent {
  event: string;
  data: string;
  expiresAt: number;
}

/**
 * The last event of each cache channel (§2.8), shared by the cluster: an event published on one node is
 * replayed to a subscriber on another. Entries expire at `expiresAt`; the store keeps a bounded number
 * per app (the oldest make room). `claimMiss` de-duplicates cache_miss reports: true only for the first
 * caller per channel until `until`, or until an event is put.
 */
export interface ChannelCache {
  put(appId: string, channel: string, entry: CachedEvent): MaybePromise<void>;
  get(appId: string, channel: string, now: number): MaybePromise<CachedEvent | undefined>;
  claimMiss(appId: string, channel: string, now: number, until: number): MaybePromise<boolean>;
  /** Drops expired entries (called by the periodic sweep). */
  prune(now: number): void;
}

/**
 * Named integer counters (quotas, rate limits, login attempts). Guarantees: each call is atomic;
 * `add` returns the new value; `addIfBelow` adds only if the result stays ≤ `limit` and returns the new
 * value, or null (and changes nothing) when it would not. A counter with a TTL reads 0 after it,
 * counted from its first increment.
 */
export interface Counters {
  add(name: string, by: number, ttlMs?: number): MaybePromise<number>;
  addIfBelow(name: string, by: number, limit: number, ttlMs?: number): MaybePromise<number | null>;
  get(name: string): MaybePromise<number>;
}

export type ControlMessage =
  | { kind: "app_changed"; appId: string }
  | { kind: "terminate_user"; appId: string; userId: string }
  | { kind: "watchlist"; appId: string; userId: string; status: "online" | "offline" };

/**
 * Commands every node must apply to its own sockets. Guarantees: delivered to every node, this one
 * included, at most once, in publish order per publisher. The memory implementation delivers at once.
 */
export interface ControlChannel {
  publish(message: ControlMessage): void;
  /** Sets the one handler of this node. */
  onMessage(handler: (message: ControlMessage) => void): void;
}

/**
 * Plan quotas, enforced where they bite (ARCHITECTURE.md): connections at connect, messages at the
 * publish path and client events. Counts are per account and live in Counters.
 */
export interface Quotas {
  /** Reserves one connection; returns a refusal message (→ close 4004) or null. */
  admitConnection(app: { id: string; accountId: string | null }): MaybePromise<string | null>;
  /** Releases a connection admitted before. */
  connectionClosed(app: { id: string; accountId: string | null }): void;
  /** Counts `count` delivered messages; false (and nothing counted) when the daily quota is used up. */
  admitMessages(app: { id: string; accountId: string | null }, count: number): MaybePromise<boolean>;
}

export const NO_QUOTAS: Quotas = {
  admitConnection: () => null,
  connectionClosed: () => {},
  admitMessages: () => true,
};
