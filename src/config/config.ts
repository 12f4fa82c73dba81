/**
 * Every server setting, with its default and its environment variable, in one validated tree
 * (STYLE.md principle 7). Load order: defaults ← environment ← command-line flags. The data
 * directory follows its own rule shared with the management commands (data-dir.ts); `serve` passes
 * the result in as the dataDir flag.
 */
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

export const ServerConfig = Type.Object({
  host: Type.String({ default: "0.0.0.0", description: "Address to listen on (MAWJLY_HOST)" }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 6001, description: "Port; 0 picks a free one (MAWJLY_PORT)" }),
  dataDir: Type.String({ minLength: 1, default: "./data", description: "SQLite data directory (MAWJLY_DATA_DIR)" }),
  activityTimeout: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 120,
    description: "Seconds of silence before the server pings a client, advertised to clients (MAWJLY_ACTIVITY_TIMEOUT)",
  }),
  pongTimeout: Type.Integer({
    minimum: 1,
    maximum: 600,
    default: 30,
    description: "Seconds to wait for an answer to a ping before closing with 4201 (MAWJLY_PONG_TIMEOUT)",
  }),
  cacheTtl: Type.Integer({ minimum: 1, default: 1800, description: "Cache channel TTL in seconds (MAWJLY_CACHE_TTL)" }),
  tlsCert: Type.Optional(Type.String({ description: "PEM certificate file for HTTPS/WSS (MAWJLY_TLS_CERT)" })),
  tlsKey: Type.Optional(Type.String({ description: "PEM private key file (MAWJLY_TLS_KEY)" })),
  demo: Type.Boolean({ default: true, description: "Create a demo app on first start (MAWJLY_DEMO=0 disables)" }),
  metricsToken: Type.Optional(Type.String({ minLength: 8, description: "Bearer token required by /metrics (MAWJLY_METRICS_TOKEN)" })),
  redisUrl: Type.Optional(
    Type.String({
      description: "Cluster mode: redis://[:PASSWORD@]HOST:PORT[/DB] (or rediss://) shared by the nodes (MAWJLY_REDIS_URL)",
    }),
  ),
  databaseUrl: Type.Optional(
    Type.String({
      description: "Shared store for nodes on several hosts: postgres://USER:PASS@HOST:PORT/DB instead of SQLite in the data directory (MAWJLY_DATABASE_URL)",
    }),
  ),
  trustProxy: Type.Boolean({
    default: false,
    description: "Take the client address for login rate limits from X-Forwarded-For (MAWJLY_TRUST_PROXY=1)",
  }),
});
export type ServerConfig = Static<typeof ServerConfig>;

const ENV: Record<keyof ServerConfig, string> = {
  host: "MAWJLY_HOST",
  port: "MAWJLY_PORT",
  dataDir: "MAWJLY_DATA_DIR",
  activityTimeout: "MAWJLY_ACTIVITY_TIMEOUT",
  pongTimeout: "MAWJLY_PONG_TIMEOUT",
  cacheTtl: "MAWJLY_CACHE_TTL",
  tlsCert: "MAWJLY_TLS_CERT",
  tlsKey: "MAWJLY_TLS_KEY",
  demo: "MAWJLY_DEMO",
  metricsToken: "MAWJLY_METRICS_TOKEN",
  redisUrl: "MAWJLY_REDIS_URL",
  databaseUrl: "MAWJLY_DATABASE_URL",
  trustProxy: "MAWJLY_TRUST_PROXY",
};

/** MAWJLY_DEBUG: unexpected errors print their stack trace too (every command). */
export function debugEnabled(env: Record<string, string | undefined> = process.env): boolean {
  return (env.MAWJLY_DEBUG ?? "") !== "" && env.MAWJLY_DEBUG !== "0";
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Builds the config from env and flags (flags win); throws ConfigError with one clear line. */
export function loadConfig(flags: Partial<Record<keyof ServerConfig, string | boolean>>, env = process.env): ServerConfig {
  const raw: Record<string, unknown> = {};
  const source: Partial<Record<keyof ServerConfig, string>> = {};
  for (const [name, variable] of Object.entries(ENV) as [keyof ServerConfig, string][]) {
    const value = flags[name] ?? env[variable];
    if (value === undefined || value === "") continue;
    source[name] = flags[name] !== undefined ? `--${kebab(name)}` : variable;
    raw[name] = coerce(name, value, source[name]);
  }
  const config = Value.Default(ServerConfig, raw) as ServerConfig;
  const first = Value.Errors(ServerConfig, config).First();
  if (first !== undefined) {
    const name = first.path.replace(/^\//, "") as keyof ServerConfig;
    throw new ConfigError(`Invalid value for ${source[name] ?? kebab(name)}: ${first.message}`);
  }
  if (config.redisUrl !== undefined && !isRedisUrl(config.redisUrl)) {
    throw new ConfigError(`Invalid value for ${source.redisUrl}: '${hidePassword(config.redisUrl)}' is not redis://[:PASSWORD@]HOST:PORT[/DB] (or rediss://)`);
  }
  if (config.databaseUrl !== undefined && !isPostgresUrl(config.databaseUrl)) {
    throw new ConfigError(`Invalid value for ${source.databaseUrl}: '${hidePassword(config.databaseUrl)}' is not postgres://USER:PASS@HOST:PORT/DB (or postgresql://; percent-encode special characters in the password)`);
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError("TLS needs both --tls-cert and --tls-key");
  }
  return config;
}

function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/**
 * A URL as it may appear in messages and logs: the password replaced. Everything between `//` and
 * the last `@` is the user info, whatever it holds (a base64 password has `/` and `+` in it).
 */
export function hidePassword(url: string): string {
  const start = url.indexOf("//");
  const at = url.lastIndexOf("@");
  if (start < 0 || at < start) return url;
  const info = url.slice(start + 2, at);
  const colon = info.indexOf(":");
  // No colon: the whole user info may be a password (redis://PASSWORD@HOST).
  return `${url.slice(0, start + 2)}${colon < 0 ? "…" : `${info.slice(0, colon)}:…`}${url.slice(at)}`;
}

function isRedisUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "redis:" || url.protocol === "rediss:") && url.hostname !== "" && /^(\/\d*)?$/.test(url.pathname);
  } catch {
    return false;
  }
}

function coerce(name: keyof ServerConfig, value: string | boolean, source: string): unknown {
  const schema = ServerConfig.properties[name];
  if (schema.type === "integer") {
    if (typeof value !== "string" || !/^\d+$/.test(value)) {
      throw new ConfigError(`Invalid value for ${source}: '${value}' is not a whole number`);
    }
    return Number(value);
  }
  if (schema.type === "boolean") {
    if (typeof value === "boolean") return value;
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
    throw new ConfigError(`Invalid value for ${source}: '${value}' is not true/false`);
  }
  return value;
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
