/**
 * The cluster's ChannelRegistry in Redis: every transition is one Lua script (scripts.ts), so
 * occupied/vacated and member added/removed are decided once for the cluster. This node's share is
 * also kept in the mirror, from which it answers while Redis is unreachable.
 */
import type { ChannelCounts, ChannelRegistry, JoinResult, LeaveResult, PresenceMember } from "../../engine/ports";
import { snapshotOf } from "../../engine/presence";
import { field } from "./mirror";
import type { RedisShared } from "./shared";

const parse = (info: string): unknown => (info === "null" ? null : JSON.parse(info));

export class RedisChannelRegistry implements ChannelRegistry {
  constructor(private readonly s: RedisShared) {}

  async connect(appId: string, _socketId: string, limit: number): Promise<boolean> {
    const { keys, mirror } = this.s;
    // The mirror first, so that a re-registration racing this call includes it (membership.ts).
    const before = mirror.connections.get(appId) ?? 0;
    mirror.connections.set(appId, before + 1);
    const admitted = await this.s.orLocal(
      async () => (await this.s.script("ADD", [keys.conn(appId), keys.mine("conn")], [1, limit > 0 ? limit : "", "", appId])) !== null,
      () => limit <= 0 || before < limit,
    );
    if (!admitted) this.bumpConnections(appId, -1);
    return admitted;
  }

  private bumpConnections(appId: string, by: number): void {
    const n = (this.s.mirror.connections.get(appId) ?? 0) + by;
    if (n > 0) this.s.mirror.connections.set(appId, n);
    else this.s.mirror.connections.delete(appId);
  }

  async disconnect(appId: string): Promise<void> {
    const { keys } = this.s;
    this.bumpConnections(appId, -1);
    await this.s.orLocal(() => this.s.script("ADD", [keys.conn(appId), keys.mine("conn")], [-1, "", "", appId]), () => null);
  }

  connections(appId: string): Promise<number> {
    return this.s.orLocal(
      async () => Number((await this.s.redis.get(this.s.keys.conn(appId))) ?? 0),
      () => this.s.mirror.connections.get(appId) ?? 0,
    );
  }

  async join(appId: string, channel: string, _socketId: string, member?: PresenceMember, memberLimit = Infinity): Promise<JoinResult> {
    const { keys, mirror } = this.s;
    const info = member === undefined ? "null" : JSON.stringify(member.info ?? null);
    const user = member?.id ?? "";
    // The mirror first (undone if the channel is full), so that a re-registration racing this call
    // includes it; what the mirror held before answers the degraded case.
    const before = mirror.channels.get(field(appId, channel)) ?? 0;
    const memberBefore = member === undefined ? 0 : mirror.member(appId, channel, user, 0);
    const membersBefore = member === undefined ? 0 : mirror.memberCount(appId, channel);
    mirror.channel(appId, channel, 1);
    if (member !== undefined) mirror.member(appId, channel, user, 1, info);
    const result = await this.s.orLocal(
      async () => {
        const reply: (string | number)[] = await this.s.script(
          "JOIN",
          [keys.chc(appId), keys.mine("ch"), keys.members(appId, channel), keys.order(appId, channel), keys.memberSockets(appId, channel), keys.mine("mem"), keys.seq],
          [channel, field(appId, channel), user, info, Number.isFinite(memberLimit) ? memberLimit : 1e9, field(appId, channel, user)],
        );
        const [full, added, count] = reply.slice(0, 3).map(Number) as [number, number, number];
        if (full === 1) return { full: true, occupied: false, memberAdded: false, count };
        const members: PresenceMember[] = [];
        for (let i = 3; i < reply.length; i += 2) members.push({ id: String(reply[i]), info: parse(String(reply[i + 1])) });
        return { full: false, occupied: count === 1, memberAdded: added === 1, count, presence: member && snapshotOf(members) };
      },
      (): JoinResult => {
        if (member !== undefined && memberBefore === 0 && membersBefore >= memberLimit) {
          return { full: true, occupied: false, memberAdded: false, count: before };
        }
        const presence = member && snapshotOf(mirror.membersOf(appId, channel).map((m) => ({ id: m.id, info: parse(m.info) })));
        return { full: false, occupied: before === 0, memberAdded: member !== undefined && memberBefore === 0, count: before + 1, presence };
      },
    );
    if (result.full) {
      mirror.channel(appId, channel, -1);
      if (member !== undefined) mirror.member(appId, channel, user, -1);
    }
    return result;
  }

  async leave(appId: string, channel: string, _socketId: string, userId?: string): Promise<LeaveResult> {
    const { keys, mirror } = this.s;
    const user = userId ?? "";
    const count = mirror.channel(appId, channel, -1);
    const sockets = userId === undefined ? 1 : mirror.member(appId, channel, user, -1);
    return this.s.orLocal(
      async () => {
        const reply: number[] = await this.s.script(
          "LEAVE",
          [keys.chc(appId), keys.mine("ch"), keys.members(appId, channel), keys.order(appId, channel), keys.memberSockets(appId, channel), keys.mine("mem")],
          [channel, field(appId, channel), user, field(appId, channel, user)],
        );
        return { vacated: Number(reply[0]) === 1, memberRemoved: Number(reply[1]) === 1, count: Number(reply[2]) };
      },
      () => ({ vacated: count <= 0, memberRemoved: userId !== undefined && sockets <= 0, count: Math.max(0, count) }),
    );
  }

  count(appId: string, channel: string): Promise<number> {
    return this.s.orLocal(
      async () => Number((await this.s.redis.hget(this.s.keys.chc(appId), channel)) ?? 0),
      () => this.s.mirror.channels.get(field(appId, channel)) ?? 0,
    );
  }

  channels(appId: string, prefix: string): Promise<ChannelCounts[]> {
    const { keys, mirror } = this.s;
    return this.s.orLocal(
      async () => {
        const all = await this.s.redis.hgetall(keys.chc(appId));
        const names = Object.keys(all).filter((name) => name.startsWith(prefix));
        const presence = names.filter((name) => name.startsWith("presence-"));
        const pipeline = this.s.redis.pipeline();
        for (const name of presence) pipeline.hlen(keys.memberSockets(appId, name));
        const lens = presence.length === 0 ? [] : ((await pipeline.exec()) ?? []);
        const users = new Map(presence.map((name, i) => [name, Number(lens[i]?.[1] ?? 0)]));
        return names.map((name) => {
          const subscriptionCount = Number(all[name]);
          const userCount = users.get(name);
          return userCount === undefined ? { name, subscriptionCount } : { name, subscriptionCount, userCount };
        });
      },
      () =>
        mirror.channelsOf(appId, prefix).map(([name, subscriptionCount]) =>
          name.startsWith("presence-") ? { name, subscriptionCount, userCount: mirror.memberCount(appId, name) } : { name, subscriptionCount },
        ),
    );
  }

  members(appId: string, channel: string): Promise<PresenceMember[]> {
    const { keys, mirror } = this.s;
    return this.s.orLocal(
      async () => {
        const [ids, infos] = await Promise.all([this.s.redis.zrange(keys.order(appId, channel), 0, -1), this.s.redis.hgetall(keys.members(appId, channel))]);
        // A member may leave between the two reads; own keys only ("constructor" is a user id too).
        return ids.filter((id) => Object.hasOwn(infos, id)).map((id) => ({ id, info: parse(infos[id]!) }));
      },
      () => mirror.membersOf(appId, channel).map((m) => ({ id: m.id, info: parse(m.info) })),
    );
  }
}
