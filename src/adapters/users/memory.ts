/** The one-node UserRegistry: signed-in sockets counted per user. */
import type { UserRegistry } from "../../engine/ports";

export class MemoryUserRegistry implements UserRegistry {
  private readonly apps = new Map<string, Map<string, number>>();

  signIn(appId: string, userId: string): boolean {
    let users = this.apps.get(appId);
    if (users === undefined) this.apps.set(appId, (users = new Map()));
    const sockets = (users.get(userId) ?? 0) + 1;
    users.set(userId, sockets);
    return sockets === 1;
  }

  signOut(appId: string, userId: string): boolean {
    const users = this.apps.get(appId);
    const sockets = users?.get(userId);
    if (users === undefined || sockets === undefined) return false;
    if (sockets > 1) {
      users.set(userId, sockets - 1);
      return false;
    }
    users.delete(userId);
    if (users.size === 0) this.apps.delete(appId);
    return true;
  }

  online(appId: string, userIds: string[]): string[] {
    const users = this.apps.get(appId);
    return users === undefined ? [] : userIds.filter((id) => users.has(id));
  }

  count(appId: string): number {
    return this.apps.get(appId)?.size ?? 0;
  }
}
