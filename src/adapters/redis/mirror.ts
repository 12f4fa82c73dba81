/**
 * This node's own share of the cluster state, kept beside Redis: it is what the node registers again
 * after Redis lost its data or the others took the node for dead (REREGISTER), and what the adapters
 * answer from while Redis is unreachable (each node then sees itself only, and says so on /health).
 */
export interface Share {
  ch: [string, string, number][];
  mem: [string, string, string, number, string][];
  conn: [string, number][];
  users: [string, string, number][];
  ctr: [string, number][];
}

const SEP = "\n";

function bump<K>(map: Map<K, number>, key: K, by: number): number {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
  return n;
}

export class Mirror {
  readonly channels = new Map<string, number>();
  readonly members = new Map<string, { sockets: number; info: string }>();
  readonly connections = new Map<string, number>();
  readonly users = new Map<string, number>();
  readonly counters = new Map<string, number>();

  channel(app: string, channel: string, by: number): number {
    return bump(this.channels, app + SEP + channel, by);
  }

  /** +1/−1 socket of a member; answers the member's sockets after the change. */
  member(app: string, channel: string, user: string, by: number, info = "null"): number {
    const key = app + SEP + channel + SEP + user;
    const entry = this.members.get(key);
    const sockets = (entry?.sockets ?? 0) + by;
    if (sockets > 0) this.members.set(key, { sockets, info: entry?.info ?? info });
    else this.members.delete(key);
    return sockets;
  }

  memberCount(app: string, channel: string): number {
    const prefix = app + SEP + channel + SEP;
    let n = 0;
    for (const key of this.members.keys()) if (key.startsWith(prefix)) n++;
    return n;
  }

  membersOf(app: string, channel: string): { id: string; info: string }[] {
    const prefix = app + SEP + channel + SEP;
    const list: { id: string; info: string }[] = [];
    for (const [key, m] of this.members) if (key.startsWith(prefix)) list.push({ id: key.slice(prefix.length), info: m.info });
    return list;
  }

  channelsOf(app: string, prefix: string): [string, number][] {
    const start = app + SEP + prefix;
    const list: [string, number][] = [];
    for (const [key, n] of this.channels) if (key.startsWith(start)) list.push([key.slice(app.length + 1), n]);
    return list;
  }

  share(): Share {
    const split = (key: string, parts: number) => {
      const out: string[] = [];
      let from = 0;
      for (let i = 0; i < parts - 1; i++) {
        const at = key.indexOf(SEP, from);
        out.push(key.slice(from, at));
        from = at + 1;
      }
      out.push(key.slice(from));
      return out;
    };
    return {
      ch: [...this.channels].map(([k, n]) => [...(split(k, 2) as [string, string]), n]),
      mem: [...this.members].map(([k, m]) => [...(split(k, 3) as [string, string, string]), m.sockets, m.info]),
      conn: [...this.connections],
      users: [...this.users].map(([k, n]) => [...(split(k, 2) as [string, string]), n]),
      ctr: [...this.counters],
    };
  }
}

export const field = (...parts: string[]) => parts.join(SEP);
