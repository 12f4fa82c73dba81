/**
 * The one-node ChannelRegistry. Lean on purpose (bench/ memory scenario: every idle socket may hold a
 * channel of its own): a plain count per channel, and a member map only for presence channels.
 */
import type { ChannelCounts, ChannelRegistry, JoinResult, LeaveResult, PresenceMember } from "../../engine/ports";
import { snapshotOf } from "../../engine/presence";

interface Member {
  info: unknown;
  /** Sockets this user is subscribed through; member_removed fires when it drops to 0 (§2.5). */
  sockets: number;
}

class AppChannels {
  connections = 0;
  readonly counts = new Map<string, number>();
  /** Presence channels only; insertion order is join order. */
  readonly members = new Map<string, Map<string, Member>>();
}

export class MemoryChannelRegistry implements ChannelRegistry {
  private readonly apps = new Map<string, AppChannels>();

  private app(appId: string): AppChannels {
    let app = this.apps.get(appId);
    if (app === undefined) {
      app = new AppChannels();
      this.apps.set(appId, app);
    }
    return app;
  }

  connect(appId: string, _socketId: string, limit: number): boolean {
    const app = this.app(appId);
    if (limit > 0 && app.connections >= limit) return false;
    app.connections++;
    return true;
  }

  disconnect(appId: string): void {
    const app = this.apps.get(appId);
    if (app !== undefined && --app.connections <= 0 && app.counts.size === 0) this.apps.delete(appId);
  }

  connections(appId: string): number {
    return this.apps.get(appId)?.connections ?? 0;
  }

  join(appId: string, channel: string, _socketId: string, member?: PresenceMember, memberLimit = Infinity): JoinResult {
    const app = this.app(appId);
    let members: Map<string, Member> | undefined;
    let memberAdded = false;
    if (member !== undefined) {
      members = app.members.get(channel);
      const existing = members?.get(member.id);
      if (existing !== undefined) {
        existing.sockets++; // the first user_info is kept when one user joins twice (§2.5 [REC])
      } else {
        if ((members?.size ?? 0) >= memberLimit) return { full: true, occupied: false, memberAdded: false, count: app.counts.get(channel) ?? 0 };
        if (members === undefined) app.members.set(channel, (members = new Map()));
        members.set(member.id, { info: member.info, sockets: 1 });
        memberAdded = true;
      }
    }
    const count = (app.counts.get(channel) ?? 0) + 1;
    app.counts.set(channel, count);
    return { full: false, occupied: count === 1, memberAdded, count, presence: members && snapshotOf(listed(members)) };
  }

  leave(appId: string, channel: string, _socketId: string, userId?: string): LeaveResult {
    const app = this.apps.get(appId);
    const before = app?.counts.get(channel);
    if (app === undefined || before === undefined) return { vacated: false, memberRemoved: false, count: 0 };
    let memberRemoved = false;
    if (userId !== undefined) {
      const members = app.members.get(channel);
      const member = members?.get(userId);
      if (member !== undefined && --member.sockets === 0) {
        members!.delete(userId);
        memberRemoved = true;
      }
    }
    const count = before - 1;
    if (count > 0) {
      app.counts.set(channel, count);
    } else {
      app.counts.delete(channel);
      app.members.delete(channel);
      if (app.connections <= 0 && app.counts.size === 0) this.apps.delete(appId);
    }
    return { vacated: count === 0, memberRemoved, count };
  }

  count(appId: string, channel: string): number {
    return this.apps.get(appId)?.counts.get(channel) ?? 0;
  }

  channels(appId: string, prefix: string): ChannelCounts[] {
    const app = this.apps.get(appId);
    const result: ChannelCounts[] = [];
    if (app === undefined) return result;
    for (const [name, subscriptionCount] of app.counts) {
      if (!name.startsWith(prefix)) continue;
      const members = app.members.get(name);
      result.push(members === undefined ? { name, subscriptionCount } : { name, subscriptionCount, userCount: members.size });
    }
    return result;
  }

  members(appId: string, channel: string): PresenceMember[] {
    const members = this.apps.get(appId)?.members.get(channel);
    return members === undefined ? [] : [...listed(members)];
  }
}

function* listed(members: Map<string, Member>): Iterable<PresenceMember> {
  for (const [id, m] of members) yield { id, info: m.info };
}
