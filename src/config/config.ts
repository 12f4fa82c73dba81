/**
 * Every server setting, with its default and its environment variable, in one validated table
 * (STYLE.md principle 7). Load order: defaults ← environment ← command-line flags. The data
 * directory follows its own rule shared with the management commands (data-dir.ts); `serve` passes
 * the result in as the dataDir flag.
 */
import { firstError, withDefaults, type Setting, type Values } from "./settings";

/** Each setting once: its type, default or optional-ness, limits, description and variable. */
export const SETTINGS = {
  host: { type: "string", default: "0.0.0.0", description: "Address to listen on", env: "MAWJLY_HOST" },
  port: { type: "integer", minimum: 0, maximum: 65535, default: 6001, description: "Port; 0 picks a free one", env: "MAWJLY_PORT" },
  dataDir: { type: "string", minLength: 1, default: "./data", description: "SQLite data directory", env: "MAWJLY_DATA_DIR" },
  activityTimeout: {
    type: "integer",
    minimum: 1,
    maximum: 3600,
    default: 120,
    description: "Seconds of silence before the server pings a client, advertised to clients",
    env: "MAWJLY_ACTIVITY_TIMEOUT",
  },
  pongTimeout: {
    type: "integer",
    minimum: 1,
    maximum: 600,
    default: 30,
    description: "Seconds to wait for an answer to a ping before closing with 4201",
    env: "MAWJLY_PONG_TIMEOUT",
  },
  cacheTtl: { type: "integer", minimum: 1, default: 1800, description: "Cache channel TTL in seconds", env: "MAWJLY_CACHE_TTL" },
  tlsCert: { type: "string", optional: true, description: "PEM certificate file for HTTPS/WSS", env: "MAWJLY_TLS_CERT" },
  tlsKey: { type: "string", optional: true, description: "PEM private key file", env: "MAWJLY_TLS_KEY" },
  demo: { type: "boolean", default: true, description: "Create a demo app on first start (MAWJLY_DEMO=0 disables)", env: "MAWJLY_DEMO" },
  metricsToken: { type: "string", minLength: 8, optional: true, description: "Bearer token required by /metrics", env: "MAWJLY_METRICS_TOKEN" },
  redisUrl: {
    type: "string",
    optional: true,
    description: "Cluster mode: redis://[:PASSWORD@]HOST:PORT[/DB] (or rediss://) shared by the nodes",
    env: "MAWJLY_REDIS_URL",
  },
  databaseUrl: {
    type: "string",
    optional: true,
    description: "Shared store for nodes on several hosts: postgres://USER:PASS@HOST:PORT/DB instead of SQLite in the data directory",
    env: "MAWJLY_DATABASE_URL",
  },
  trustProxy: {
    type: "boolean",
    default: false,
    description: "Take the client address for login rate limits from X-Forwarded-For (MAWJLY_TRUST_PROXY=1)",
    env: "MAWJLY_TRUST_PROXY",
  },
} as const satisfies Record<string, Setting>;
export type ServerConfig = Values<typeof SETTINGS>;

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
  for (const [name, setting] of Object.entries(SETTINGS) as [keyof ServerConfig, Setting][]) {
    const value = flags[name] ?? env[setting.env];
    if (value === undefined || value === "") continue;
    source[name] = flags[name] !== undefined ? `--${kebab(name)}` : setting.env;
    raw[name] = coerce(setting, value, source[name]);
  }
  const config = withDefaults(SETTINGS, raw);
  const first = firstError(SETTINGS, config);
  if (first !== undefined) throw new ConfigError(`Invalid value for ${source[first.name] ?? kebab(first.name)}: ${first.message}`);
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

function coerce(setting: Setting, value: string | boolean, source: string): unknown {
  if (setting.type === "integer") {
    if (typeof value !== "string" || !/^\d+$/.test(value)) {
      throw new ConfigError(`Invalid value for ${source}: '${value}' is not a whole number`);
    }
    return Number(value);
  }
  if (setting.type === "boolean") {
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
