/**
 * The engine's read side for the edges (HTTP API, management API, dashboard, metrics): every figure
 * comes from the ports, so it is the cluster's, and no edge touches AppState or the registry maps.
 * `local*` figures are this node's own (metrics are per node).
 */
import type { AppState } from "./app-state";
import type { EngineContext } from "./context";
import { all, then, type MaybePromise } from "./maybe";
import type { CachedEvent, ChannelCounts, PresenceMember } from "./ports";

export interface LiveChannel extends ChannelCounts {
  /** Presence channels: members in join order. */
  members?: PresenceMember[];
}

export interface LiveSnapshot {
  connections: number;
  users: number;
  /** Occupied channels matching the prefix, in all. */
  total: number;
  /** One page of them, sorted by name, presence members included. */
  channels: LiveChannel[];
}

export interface LocalAppFigures {
  appId: string;
  connections: number;
  /** Distinct channels this node's sockets are subscribed to. */
  channels: number;
  subscriptions: number;
}

export class LiveQueries {
  constructor(
    private readonly ctx: EngineContext,
    private readonly localStates: () => Iterable<AppState>,
  ) {}

  /** Occupied channels whose name starts with `prefix`, sorted by name. */
  channels(appId: string, prefix = ""): MaybePromise<ChannelCounts[]> {
    return then(this.ctx.registry.channels(appId, prefix), (list) => list.sort((a, b) => a.name.localeCompare(b.name)));
  }

  subscriptionCount(appId: string, channel: string): MaybePromise<number> {
    return this.ctx.registry.count(appId, channel);
  }

  members(appId: string, channel: string): MaybePromise<PresenceMember[]> {
    return this.ctx.registry.members(appId, channel);
  }

  connections(appId: string): MaybePromise<number> {
    return this.ctx.registry.connections(appId);
  }

  signedInUsers(appId: string): MaybePromise<number> {
    return this.ctx.users.count(appId);
  }

  cached(appId: string, channel: string): MaybePromise<CachedEvent | undefined> {
    return this.ctx.cache.get(appId, channel, this.ctx.clock.now());
  }

  /** Connections, users and one page of occupied channels with their members. */
  snapshot(appId: string, prefix: string, page: { offset: number; limit: number }): MaybePromise<LiveSnapshot> {
    return then(all<unknown>([this.connections(appId), this.signedInUsers(appId), this.channels(appId, prefix)]), (answers) => {
      const [connections, users, channels] = answers as [number, number, ChannelCounts[]];
      const shown = channels.slice(page.offset, page.offset + page.limit);
      const members = shown.map((c) => (c.userCount === undefined ? undefined : this.members(appId, c.name)));
      return then(all<PresenceMember[] | undefined>(members), (lists) => ({
        connections,
        users,
        total: channels.length,
        channels: shown.map((c, i) => (lists[i] === undefined ? c : { ...c, members: lists[i] })),
      }));
    });
  }

  /** This node's connections per key of an app (the keys page shows which keys are in use). */
  localConnectionsByKey(appId: string): Map<string, number> {
    const byKey = new Map<string, number>();
    for (const state of this.localStates()) {
      if (state.id !== appId) continue;
      for (const session of state.sessions.values()) byKey.set(session.key, (byKey.get(session.key) ?? 0) + 1);
    }
    return byKey;
  }

  /** This node's connections per app, without visiting the sockets (the usage rollups sample it). */
  *localConnections(): Iterable<[string, number]> {
    for (const state of this.localStates()) yield [state.id, state.sessions.size];
  }

  /** This node's figures per app (Prometheus metrics and usage rollups are per node). */
  *localApps(): Iterable<LocalAppFigures> {
    for (const state of this.localStates()) {
      const channels = new Set<string>();
      let subscriptions = 0;
      for (const session of state.sessions.values()) {
        subscriptions += session.channels.size;
        for (const name of session.channels.keys()) channels.add(name);
      }
      yield { appId: state.id, connections: state.sessions.size, channels: channels.size, subscriptions };
    }
  }
}
