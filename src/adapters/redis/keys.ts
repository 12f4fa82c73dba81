/**
 * Key names of the cluster state in Redis (one prefix per cluster). App ids have no ':' and channel
 * names no ':' or newline, so `app\nchannel` and `app\nchannel\nuser` fields split unambiguously (a
 * user id, last, may contain anything).
 *
 * Cluster-wide totals (what every node reads):
 *   a:{app}:chc            HASH channel → subscriptions
 *   a:{app}:m:{channel}    HASH user → user_info JSON (first join's)
 *   a:{app}:mo:{channel}   ZSET user by join sequence (join order)
 *   a:{app}:mc:{channel}   HASH user → sockets
 *   a:{app}:conn           STRING connections
 *   a:{app}:users          HASH user → signed-in sockets
 *   ctr:{name}             STRING counter (quotas, rate limits)
 * Each node's share, so that a dead node's share can be taken back out (membership.ts):
 *   n:{node}:ch  "app\nchannel" → n     n:{node}:mem  "app\nchannel\nuser" → n
 *   n:{node}:conn  app → n              n:{node}:users  "app\nuser" → n      n:{node}:ctr  name → n
 * Liveness: nodes ZSET node → expiry (Redis time, ms); reap:{node} the survivor cleaning it up.
 */
export class Keys {
  constructor(
    readonly prefix: string,
    readonly node: string,
  ) {}
  chc = (app: string) => `${this.prefix}a:${app}:chc`;
  members = (app: string, channel: string) => `${this.prefix}a:${app}:m:${channel}`;
  order = (app: string, channel: string) => `${this.prefix}a:${app}:mo:${channel}`;
  memberSockets = (app: string, channel: string) => `${this.prefix}a:${app}:mc:${channel}`;
  conn = (app: string) => `${this.prefix}a:${app}:conn`;
  users = (app: string) => `${this.prefix}a:${app}:users`;
  counter = (name: string) => `${this.prefix}ctr:${name}`;
  cache = (app: string, channel: string) => `${this.prefix}a:${app}:cache:${channel}`;
  miss = (app: string, channel: string) => `${this.prefix}a:${app}:miss:${channel}`;
  topic = (topic: string) => `${this.prefix}t:${topic}`;
  get seq() {
    return `${this.prefix}seq`;
  }
  get nodes() {
    return `${this.prefix}nodes`;
  }
  get control() {
    return `${this.prefix}control`;
  }
  mine = (what: "ch" | "mem" | "conn" | "users" | "ctr") => `${this.prefix}n:${this.node}:${what}`;
}
