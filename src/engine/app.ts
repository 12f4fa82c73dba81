/**
 * An app as the engine sees it. The TypeBox schema is the single source of the type, of validation
 * and of the API docs (STYLE.md principle 5). Limits default to Pusher's (PUSHER-PROTOCOL.md §7.1).
 *
 * An app setting is declared once, as one property of AppToggles or AppLimits below: its name, type,
 * `default`, range, `description` (API docs and dashboard hint), `title` (dashboard label, if the name
 * alone reads badly) and CLI flag (if not the name in kebab-case). The CLI's flags and help, the
 * management API's input models, the dashboard's settings form and the store's JSON column all iterate
 * over these schemas (test/unit/app-settings.test.ts walks them), so a new setting touches this file
 * and the code that acts on it.
 */
import { Type, type Static } from "@sinclair/typebox";

/**
 * Every limit has a range and a default. maxMessageBytes stops at 512 000 so that a client event of that size, even
 * with its data fully JSON-escaped (×2) plus the envelope, fits both the engine's frame check
 * (2 × maxMessageBytes + 4096) and the WebSocket transport's 1 MiB maxPayloadLength, and a trigger
 * fits the HTTP server's 1 MiB maxRequestBodySize. The others are generous multiples of Pusher's.
 */
export const AppLimits = Type.Object({
  maxConnections: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, description: "Concurrent connections; 0 = unlimited" }),
  maxMessageBytes: Type.Integer({
    title: "Max event data size (bytes)",
    minimum: 1,
    maximum: 512_000,
    default: 10240,
    description: "Event data size, for API and client events",
  }),
  maxChannelsPerTrigger: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  maxBatchSize: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  maxEventNameLength: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
  maxChannelNameLength: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
  maxPresenceMembers: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
  maxUserInfoBytes: Type.Integer({ title: "Max user info size (bytes)", minimum: 1, maximum: 65_536, default: 1024 }),
  maxUserIdLength: Type.Integer({ minimum: 1, maximum: 1000, default: 128 }),
  clientEventsPerSecond: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: "Per connection; more are refused with an error" }),
  apiRequestsPerSecond: Type.Integer({
    title: "API requests per second",
    minimum: 0,
    maximum: 100_000,
    default: 0,
    description: "HTTP API requests per second; 0 = unlimited (429 over it)",
  }),
  userAuthTimeout: Type.Integer({
    title: "Sign-in timeout (seconds)",
    minimum: 1,
    maximum: 3600,
    default: 30,
    description: "Seconds a connection may stay unauthenticated when authorized connections are on",
  }),
  maxWatchlistSize: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: "Watchlist ids per user; more are refused with error 4302" }),
  maxChannelsPerConnection: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: "Channels one socket may join at once" }),
});
export type AppLimits = Static<typeof AppLimits>;

/**
 * An app's on/off settings. `title` is the dashboard's label, `description` its hint and the API docs'
 * text; the CLI flag is the name in kebab-case (`--client-events`, off: `--no-client-events`) unless
 * `x-cli-flag` / `x-cli-off-flag` name it otherwise.
 */
export const AppToggles = Type.Object({
  enabled: Type.Boolean({
    title: "App enabled",
    default: true,
    description: "A disabled app refuses connections (4003) and API calls, and closes its open sockets.",
    "x-cli-flag": "enabled",
    "x-cli-off-flag": "disabled",
  }),
  clientEvents: Type.Boolean({ title: "Client events", default: false, description: "Allow client- events on private/presence channels" }),
  userAuth: Type.Boolean({
    title: "Authorized connections only",
    default: false,
    description: "Authorized connections: close unauthenticated sockets (4009)",
  }),
  subscriptionCount: Type.Boolean({
    title: "Subscription count events",
    default: false,
    description: "Send pusher_internal:subscription_count frames",
  }),
  watchlistEvents: Type.Boolean({
    title: "Watchlist events",
    default: false,
    description: "Send watchlist online/offline events to signed-in users",
    "x-cli-flag": "watchlist",
  }),
  lenientEventNames: Type.Boolean({
    title: "Lenient event names",
    default: false,
    description: "Accept any event name up to the length limit (e.g. Laravel's App\\Events\\OrderShipped)",
  }),
});
export type AppToggles = Static<typeof AppToggles>;

/**
 * What every place that lists settings iterates over (the CLI's flags, the API's input model, the
 * dashboard's settings form, the store's JSON column), so that a new setting is one line above.
 */
export type ToggleName = keyof AppToggles;
export type LimitName = keyof AppLimits;
export const TOGGLE_NAMES = Object.keys(AppToggles.properties) as ToggleName[];
export const LIMIT_NAMES = Object.keys(AppLimits.properties) as LimitName[];

/** The declared default of each property of an object schema. */
function defaultsOf<T>(schema: { properties: Record<string, { default?: unknown }> }): T {
  return Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, property.default])) as T;
}

export const DEFAULT_LIMITS: AppLimits = defaultsOf(AppLimits);
export const DEFAULT_TOGGLES: AppToggles = defaultsOf(AppToggles);

export const AppKey = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 128 }),
  secret: Type.String({ minLength: 1, maxLength: 128 }),
  createdAt: Type.String({ format: "date-time" }),
});
export type AppKey = Static<typeof AppKey>;

export const App = Type.Object({
  id: Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "App id, e.g. 6855671" }),
  key: Type.String({ minLength: 1, maxLength: 128, description: "The primary (oldest active) key" }),
  secret: Type.String({ minLength: 1, maxLength: 128, description: "The primary key's secret" }),
  keys: Type.Array(AppKey, { description: "Active key pairs, oldest first; any of them may connect and sign" }),
  accountId: Type.Union([Type.String(), Type.Null()], { description: "Owning account; null for operator apps" }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  cluster: Type.String({ minLength: 1, maxLength: 64 }),
  ...AppToggles.properties,
  limits: AppLimits,
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});
export type App = Static<typeof App>;

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
