/**
 * What every protocol handler may use: the ports, the bus, the clock and the settings. Handlers take
 * this, not the Engine, so that engine.ts and its handlers do not import each other.
 */
import type { LifecycleBus } from "./bus";
import type { Broker, ChannelCache, ChannelRegistry, Clock, ControlChannel, Counters, Quotas, UserRegistry } from "./ports";
import type { SubscriptionCounts } from "./subscription-counts";

export interface EngineConfig {
  /** Seconds advertised in connection_established and used for the server's own check (§1.4). */
  activityTimeout: number;
  /** Seconds to wait for any frame after the server pinged, before closing with 4201. */
  pongTimeout: number;
  cacheTtlMs: number;
  /** Protocol versions accepted; others close with 4007 (§1.1 [REC]). */
  protocols: readonly number[];
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  activityTimeout: 120,
  pongTimeout: 30,
  cacheTtlMs: 30 * 60 * 1000,
  protocols: [5, 6, 7],
};

/** The ports an engine runs on; memory adapters for one node, shared ones for a cluster (server.ts picks). */
export interface EnginePorts {
  broker: Broker;
  registry: ChannelRegistry;
  users: UserRegistry;
  cache: ChannelCache;
  counters: Counters;
  control: ControlChannel;
  quotas: Quotas;
}

export interface EngineContext extends EnginePorts {
  readonly bus: LifecycleBus;
  readonly clock: Clock;
  readonly config: EngineConfig;
  readonly counts: SubscriptionCounts;
}
