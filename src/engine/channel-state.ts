/**
 * The live state of one occupied channel: its subscribed sessions and, for presence channels, its
 * members. A member is a user id with the number of sockets it is subscribed through, so that
 * member_added / member_removed fire only on a user's first and last connection (§2.5).
 */
import { channelType, type ChannelType } from "../protocol/channels";

export interface Member {
  info: unknown;
  sockets: number;
}

export class ChannelState {
  readonly type: ChannelType;
  /**
   * Subscribed sockets. A count, not a Set: membership lives in Session.channels (subscribe skips
   * duplicates), and a one-entry Set costs ~270 bytes per socket (bench/ memory scenario).
   */
  subscriberCount = 0;
  /** Only for presence channels; insertion order is join order. */
  readonly members: Map<string, Member> | undefined;

  constructor(readonly name: string) {
    this.type = channelType(name);
    this.members = this.type.kind === "presence" ? new Map() : undefined;
  }

  /** Adds a socket for a user; returns true when this is the user's first socket in the channel. */
  addMember(userId: string, info: unknown): boolean {
    const member = this.members!.get(userId);
    if (member !== undefined) {
      member.sockets++; // the first user_info is kept when one user joins twice (§2.5 [REC])
      return false;
    }
    this.members!.set(userId, { info, sockets: 1 });
    return true;
  }

  /** Removes one socket of a user; returns true when it was the user's last one. */
  removeMember(userId: string): boolean {
    const member = this.members?.get(userId);
    if (member === undefined) return false;
    if (--member.sockets > 0) return false;
    this.members!.delete(userId);
    return true;
  }

  /** The `presence` object of subscription_succeeded: every member is a key of `hash` (§2.4). */
  presenceSnapshot() {
    const ids: string[] = [];
    // No prototype: a user id such as "__proto__" must become a key like any other (§2.4).
    const hash: Record<string, unknown> = Object.create(null);
    for (const [id, member] of this.members ?? []) {
      ids.push(id);
      hash[id] = member.info ?? null;
    }
    return { ids, hash, count: ids.length };
  }
}
