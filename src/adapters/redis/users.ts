/** The cluster's UserRegistry in Redis: first and last signed-in socket decided by one script each. */
import type { UserRegistry } from "../../engine/ports";
import { field } from "./mirror";
import type { RedisShared } from "./shared";

export class RedisUserRegistry implements UserRegistry {
  constructor(private readonly s: RedisShared) {}

  private sign(appId: string, userId: string, by: 1 | -1): Promise<boolean> {
    const { keys, mirror } = this.s;
    const key = field(appId, userId);
    const local = (mirror.users.get(key) ?? 0) + by;
    if (local > 0) mirror.users.set(key, local);
    else mirror.users.delete(key);
    return this.s.orLocal(
      async () => Number(await this.s.script("SIGN", [keys.users(appId), keys.mine("users")], [userId, key, by])) === 1,
      () => (by === 1 ? local === 1 : local === 0),
    );
  }

  signIn(appId: string, userId: string): Promise<boolean> {
    return this.sign(appId, userId, 1);
  }

  signOut(appId: string, userId: string): Promise<boolean> {
    if (!this.s.mirror.users.has(field(appId, userId))) return Promise.resolve(false);
    return this.sign(appId, userId, -1);
  }

  online(appId: string, userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    return this.s.orLocal(
      async () => {
        const counts = await this.s.redis.hmget(this.s.keys.users(appId), ...userIds);
        return userIds.filter((_, i) => counts[i] !== null);
      },
      () => userIds.filter((id) => this.s.mirror.users.has(field(appId, id))),
    );
  }

  count(appId: string): Promise<number> {
    const prefix = field(appId, "");
    return this.s.orLocal(
      () => this.s.redis.hlen(this.s.keys.users(appId)),
      () => [...this.s.mirror.users.keys()].filter((k) => k.startsWith(prefix)).length,
    );
  }
}
