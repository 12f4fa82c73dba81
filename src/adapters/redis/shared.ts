/**
 * What the Redis adapters of one node share: the command connection with the scripts loaded, the key
 * names, this node's own share (mirror.ts), and one flag that says whether Redis answered lately.
 */
import type Redis from "ioredis";
import type { Keys } from "./keys";
import type { Mirror } from "./mirror";
import * as scripts from "./scripts";

type Script = "JOIN" | "LEAVE" | "ADD" | "SIGN" | "HEARTBEAT" | "EXPIRED" | "WITHDRAW" | "REREGISTER" | "CACHE_PUT";
const KEYS: Record<Script, number> = { JOIN: 7, LEAVE: 6, ADD: 2, SIGN: 2, HEARTBEAT: 1, EXPIRED: 1, WITHDRAW: 0, REREGISTER: 0, CACHE_PUT: 3 };

export class RedisShared {
  /** False from a failed call until this node's state is registered again (membership.ts). */
  healthy = true;

  constructor(
    readonly redis: Redis,
    readonly keys: Keys,
    readonly mirror: Mirror,
  ) {
    // EVALSHA with a fallback to EVAL, handled by ioredis.
    for (const name of Object.keys(KEYS) as Script[]) redis.defineCommand(`mawjly${name}`, { numberOfKeys: KEYS[name], lua: scripts[name] });
  }

  script(name: Script, keys: string[], args: (string | number)[]): Promise<any> {
    return (this.redis as any)[`mawjly${name}`](...keys, ...args.map(String));
  }

  /**
   * Runs a Redis call; if Redis does not answer, answers from this node's own state instead. Either
   * way the caller gets an answer at once: a node keeps serving its sockets through a Redis outage.
   * Only an unreachable Redis degrades the node; any other error is a bug and is thrown.
   */
  async orLocal<T>(call: () => Promise<T>, local: () => T): Promise<T> {
    if (!this.healthy) return local();
    try {
      return await call();
    } catch (err) {
      if (!unreachable(this.redis, err)) throw err;
      this.healthy = false;
      return local();
    }
  }
}

/** The connection is down, or Redis did not answer in time (ioredis's own errors for both). */
function unreachable(redis: Redis, err: unknown): boolean {
  if (redis.status !== "ready") return true;
  const message = err instanceof Error ? err.message : String(err);
  return /timed out|isn't writeable|Connection is closed|ECONNRE|EPIPE|LOADING|BUSY/i.test(message);
}
