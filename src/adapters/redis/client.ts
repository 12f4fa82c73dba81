/**
 * Connections to Redis for one node. ioredis, not Bun's built-in client: after a Redis restart Bun 1.4.5's
 * client never got its subscriptions back, ioredis resumes them (measured; DEVELOPERS.md).
 *
 * Two connections: `commands` fails fast while Redis is unreachable (no offline queue, a command
 * timeout), so the adapters answer from this node's own state instead of waiting; `subscriber` keeps
 * its queue, so a subscription made during an outage is sent when Redis is back, and ioredis
 * re-subscribes every channel after a reconnect.
 */
import Redis, { type RedisOptions } from "ioredis";

export interface RedisClients {
  commands: Redis;
  subscriber: Redis;
  /** Where the cluster lives, without the password (for logs). */
  label: string;
  /**
   * Resolves true once both connections are ready, or false after `ms`. Waiting for the subscriber
   * matters: a SUBSCRIBE queued before its connection is ready was seen to resolve without taking
   * effect (ioredis 5.9), so a node subscribes nothing before it.
   */
  ready(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Reconnect back-off: 50 ms growing to 2 s, forever (a node outlives a Redis restart). */
const retryStrategy = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000);

export function connectRedis(url: string, log: (line: string) => void = console.error): RedisClients {
  const parsed = new URL(url);
  const label = `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}${parsed.pathname && parsed.pathname !== "/" ? parsed.pathname : "/0"}`;
  // Options, not the URL string: ioredis parses a URL with the deprecated url.parse(), which makes Bun
  // print a DeprecationWarning at every start.
  const base: RedisOptions = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: Number(parsed.port || 6379),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number(parsed.pathname.slice(1) || 0),
    tls: parsed.protocol === "rediss:" ? { servername: parsed.hostname } : undefined,
    retryStrategy,
    maxRetriesPerRequest: null,
    lazyConnect: false,
    connectionName: "mawjly",
  };
  const commands = new Redis({ ...base, enableOfflineQueue: false, commandTimeout: 1500, maxRetriesPerRequest: 0 });
  const subscriber = new Redis({ ...base, enableOfflineQueue: true, autoResubscribe: true });
  // Without an error listener ioredis prints every refused reconnect; one line per outage is enough.
  for (const [name, client] of [["commands", commands], ["subscriber", subscriber]] as const) {
    let down = false;
    client.on("error", (err: Error) => {
      if (!down) log(`mawjly: Redis ${label} unreachable (${name}): ${err.message}; retrying`);
      down = true;
    });
    client.on("ready", () => {
      if (down) log(`mawjly: Redis ${label} reachable again (${name})`);
      down = false;
    });
  }
  return {
    commands,
    subscriber,
    label,
    ready: (ms) =>
      Promise.race([
        Promise.all([commands, subscriber].map((c) => (c.status === "ready" ? undefined : new Promise((resolve) => c.once("ready", resolve))))).then(() => true),
        Bun.sleep(ms).then(() => false),
      ]),
    async close() {
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}

