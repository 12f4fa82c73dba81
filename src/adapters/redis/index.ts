/**
 * Cluster mode (`serve --redis-url`): this node's adapters for every engine port, backed by one Redis
 * shared by the nodes, and the node's membership (heartbeat, clean-up of dead nodes). Loaded only when
 * a Redis URL is given (cli/serve.ts imports it dynamically), so a single node never loads ioredis.
 */
import { randomBytes } from "node:crypto";
import type { DebugRelay } from "../../dashboard/debug-log";
import type { NodeDeparture } from "../../engine/departure";
import type { Broker, ChannelCache, ChannelRegistry, Connection, ControlChannel, Counters, UserRegistry } from "../../engine/ports";
import { RedisBroker } from "./broker";
import { RedisChannelCache } from "./cache";
import { connectRedis, type RedisClients } from "./client";
import { RedisControlChannel } from "./control";
import { RedisDebugRelay } from "./debug-relay";
import { RedisCounters } from "./counters";
import { Keys } from "./keys";
import { Lease } from "./lease";
import { Membership } from "./membership";
import { Mirror } from "./mirror";
import { RedisChannelRegistry } from "./registry";
import { RedisShared } from "./shared";
import { RedisUserRegistry } from "./users";

export interface ClusterPorts {
  broker: Broker;
  registry: ChannelRegistry;
  users: UserRegistry;
  cache: ChannelCache;
  control: ControlChannel;
}

export interface Cluster {
  nodeId: string;
  /** The Redis URL without its password. */
  label: string;
  counters: Counters;
  /** The ports for this node's engine; `publishLocal`/`socket` reach this node's own sockets. */
  ports(local: { publishLocal: (topic: string, frame: string) => void; socket: (topic: string, socketId: string) => Connection | undefined }): ClusterPorts;
  /** Starts the heartbeat; `onDeparture` is called on the one survivor that cleaned up a dead node. */
  start(onDeparture: (departure: NodeDeparture) => void): Promise<void>;
  /** The dashboard's debug console across nodes. */
  debugRelay: DebugRelay;
  /**
   * Whether this node may start a webhook request now: it holds the delivery lease for at least
   * `requestMs` more (one node delivers the shared outbox at a time, and its requests end in time).
   */
  deliversWebhooks(requestMs: number): boolean;
  /** False while Redis is unreachable (the node serves its own sockets only; /health says degraded). */
  healthy(): boolean;
  /** Leaves the cluster (after the node's sockets closed) and closes the connections. */
  stop(): Promise<void>;
}

/** How long a starting node waits for Redis before it starts degraded (and keeps retrying). */
const CONNECT_WAIT_MS = 5000;

export async function joinCluster(url: string, options: { prefix?: string; log?: (line: string) => void } = {}): Promise<Cluster> {
  const log = options.log ?? console.error;
  const clients: RedisClients = connectRedis(url, log);
  const ready = await clients.ready(CONNECT_WAIT_MS);
  if (!ready) log(`mawjly: Redis ${clients.label} did not answer within ${CONNECT_WAIT_MS / 1000} s; starting degraded, retrying`);
  const nodeId = randomBytes(4).toString("hex");
  const keys = new Keys(options.prefix ?? "mawjly:", nodeId);
  const shared = new RedisShared(clients.commands, keys, new Mirror());
  shared.healthy = ready;
  let membership: Membership | undefined;
  const webhookLease = new Lease(clients.commands, `${keys.prefix}lease:webhooks`, nodeId);
  const debugRelay = new RedisDebugRelay(clients.commands, clients.subscriber, keys);
  return {
    nodeId,
    label: clients.label,
    counters: new RedisCounters(shared),
    ports: ({ publishLocal, socket }) => ({
      broker: new RedisBroker(clients.commands, clients.subscriber, keys, publishLocal, socket),
      registry: new RedisChannelRegistry(shared),
      users: new RedisUserRegistry(shared),
      cache: new RedisChannelCache(shared),
      control: new RedisControlChannel(clients.commands, clients.subscriber, keys),
    }),
    async start(onDeparture) {
      membership = new Membership(shared, onDeparture, log);
      await membership.start();
      await webhookLease.start();
    },
    debugRelay,
    deliversWebhooks: (requestMs) => webhookLease.remaining() > requestMs + 1000,
    healthy: () => shared.healthy,
    async stop() {
      debugRelay.stop();
      await webhookLease.stop();
      await membership?.stop();
      await clients.close();
    },
  };
}
