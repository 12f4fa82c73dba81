/**
 * An app as the engine sees it. Limits default to Pusher's (PUSHER-PROTOCOL.md §7.1).
 *
 * An app setting is declared once, as one entry of TOGGLES or LIMITS below: its name, `default`,
 * range, `description` (API docs and dashboard hint), `title` (dashboard label, if the name alone
 * reads badly) and CLI flag (if not the name in kebab-case). Each entry is exactly the options of its
 * TypeBox property: src/apps/schema.ts builds the App schema (validation, API docs) from these tables.
 * The CLI's flags and help, the management API's input models, the dashboard's settings form and the
 * store's JSON column all iterate over them (test/unit/app-settings.test.ts walks them), so a new
 * setting touches this file and the code that acts on it.
 *
 * Plain data rather than TypeBox here: this module is on every server's start path, and TypeBox is
 * ~3.5 MB of memory per process that a node serving only sockets and triggers never needs; the
 * schemas load on the first write (src/apps/schema.ts).
 */

/** A limit: the options of a TypeBox integer (src/apps/schema.ts). */
export interface IntegerSetting {
  minimum: number;
  maximum: number;
  default: number;
  title?: string;
  description?: string;
}

/** An on/off setting: the options of a TypeBox boolean, plus its CLI flags where not the kebab-case name. */
export interface BooleanSetting {
  default: boolean;
  title: string;
  description: string;
  "x-cli-flag"?: string;
  "x-cli-off-flag"?: string;
}

/**
 * Every limit has a range and a default. maxMessageBytes stops at 512 000 so that a client event of that size, even
 * with its data fully JSON-escaped (×2) plus the envelope, fits both the engine's frame check
 * (2 × maxMessageBytes + 4096) and the WebSocket transport's 1 MiB maxPayloadLength, and a trigger
 * fits the HTTP server's 1 MiB maxRequestBodySize. The others are generous multiples of Pusher's.
 */
export const LIMITS = {
  maxConnections: { minimum: 0, maximum: 1_000_000, default: 0, description: "Concurrent connections; 0 = unlimited" },
  maxMessageBytes: {
    title: "Max event data size (bytes)",
    minimum: 1,
    maximum: 512_000,
    default: 10240,
    description: "Event data size, for API and client events",
  },
  maxChannelsPerTrigger: { minimum: 1, maximum: 1000, default: 100 },
  maxBatchSize: { minimum: 1, maximum: 100, default: 10 },
  maxEventNameLength: { minimum: 1, maximum: 1000, default: 200 },
  maxChannelNameLength: { minimum: 1, maximum: 1000, default: 200 },
  maxPresenceMembers: { minimum: 1, maximum: 10_000, default: 100 },
  maxUserInfoBytes: { title: "Max user info size (bytes)", minimum: 1, maximum: 65_536, default: 1024 },
  maxUserIdLength: { minimum: 1, maximum: 1000, default: 128 },
  clientEventsPerSecond: { minimum: 1, maximum: 1000, default: 10, description: "Per connection; more are refused with an error" },
  apiRequestsPerSecond: {
    title: "API requests per second",
    minimum: 0,
    maximum: 100_000,
    default: 0,
    description: "HTTP API requests per second; 0 = unlimited (429 over it)",
  },
  userAuthTimeout: {
    title: "Sign-in timeout (seconds)",
    minimum: 1,
    maximum: 3600,
    default: 30,
    description: "Seconds a connection may stay unauthenticated when authorized connections are on",
  },
  maxWatchlistSize: { minimum: 1, maximum: 1000, default: 100, description: "Watchlist ids per user; more are refused with error 4302" },
  maxChannelsPerConnection: { minimum: 1, maximum: 100_000, default: 1000, description: "Channels one socket may join at once" },
} as const satisfies Record<string, IntegerSetting>;

/**
 * An app's on/off settings. `title` is the dashboard's label, `description` its hint and the API docs'
 * text; the CLI flag is the name in kebab-case (`--client-events`, off: `--no-client-events`) unless
 * `x-cli-flag` / `x-cli-off-flag` name it otherwise.
 */
export const TOGGLES = {
  enabled: {
    title: "App enabled",
    default: true,
    description: "A disabled app refuses connections (4003) and API calls, and closes its open sockets.",
    "x-cli-flag": "enabled",
    "x-cli-off-flag": "disabled",
  },
  clientEvents: { title: "Client events", default: false, description: "Allow client- events on private/presence channels" },
  userAuth: {
    title: "Authorized connections only",
    default: false,
    description: "Authorized connections: close unauthenticated sockets (4009)",
  },
  subscriptionCount: {
    title: "Subscription count events",
    default: false,
    description: "Send pusher_internal:subscription_count frames",
  },
  watchlistEvents: {
    title: "Watchlist events",
    default: false,
    description: "Send watchlist online/offline events to signed-in users",
    "x-cli-flag": "watchlist",
  },
  lenientEventNames: {
    title: "Lenient event names",
    default: false,
    description: "Accept any event name up to the length limit (e.g. Laravel's App\\Events\\OrderShipped)",
  },
} as const satisfies Record<string, BooleanSetting>;

export type LimitName = keyof typeof LIMITS;
export type ToggleName = keyof typeof TOGGLES;
export type AppLimits = { [K in LimitName]: number };
export type AppToggles = { [K in ToggleName]: boolean };

/**
 * What every place that lists settings iterates over (the CLI's flags, the API's input model, the
 * dashboard's settings form, the store's JSON column), so that a new setting is one entry above.
 */
export const TOGGLE_NAMES = Object.keys(TOGGLES) as ToggleName[];
export const LIMIT_NAMES = Object.keys(LIMITS) as LimitName[];

/** The declared default of each setting of a table. */
function defaultsOf<T>(table: Record<string, { default: unknown }>): T {
  return Object.fromEntries(Object.entries(table).map(([name, setting]) => [name, setting.default])) as T;
}

export const DEFAULT_LIMITS: AppLimits = defaultsOf(LIMITS);
export const DEFAULT_TOGGLES: AppToggles = defaultsOf(TOGGLES);

/** One active key pair (src/apps/schema.ts has its schema). */
export type AppKey = {
  key: string;
  secret: string;
  createdAt: string;
};

/**
 * An app; src/apps/schema.ts declares its schema, and the compiler checks that the two agree. A type,
 * not an interface, so that it reads as a plain record where code walks its fields.
 */
export type App = AppToggles & {
  id: string;
  /** The primary (oldest active) key and its secret. */
  key: string;
  secret: string;
  /** Active key pairs, oldest first; any of them may connect and sign. */
  keys: AppKey[];
  /** Owning account; null for operator apps. */
  accountId: string | null;
  name: string;
  cluster: string;
  limits: AppLimits;
  createdAt: string;
  updatedAt: string;
};

/** The engine's read-only view of the app directory; a miss must fall through to the store. */
export interface AppDirectory {
  byKey(key: string): App | undefined;
  byId(id: string): App | undefined;
}

/** The secret of one of the app's active key pairs, or undefined (§5.2 step 3: any active pair may sign). */
export function appSecret(app: App, key: string): string | undefined {
  for (const pair of app.keys) if (pair.key === key) return pair.secret;
  return undefined;
}
