/**
 * An app as the engine sees it. The TypeBox schema is the single source of the type, of validation
 * and of the API docs (STYLE.md principle 5). Limits default to Pusher's (PUSHER-PROTOCOL.md §7.1).
 */
import { Type, type Static } from "@sinclair/typebox";

/**
 * Every limit has a range. maxMessageBytes stops at 512 000 so that a client event of that size, even
 * with its data fully JSON-escaped (×2) plus the envelope, fits both the engine's frame check
 * (2 × maxMessageBytes + 4096) and the WebSocket transport's 1 MiB maxPayloadLength, and a trigger
 * fits the HTTP server's 1 MiB maxRequestBodySize. The others are generous multiples of Pusher's.
 */
export const AppLimits = Type.Object({
  maxConnections: Type.Integer({ minimum: 0, maximum: 1_000_000, description: "Concurrent connections; 0 = unlimited" }),
  maxMessageBytes: Type.Integer({ minimum: 1, maximum: 512_000, description: "Event data size, for API and client events" }),
  maxChannelsPerTrigger: Type.Integer({ minimum: 1, maximum: 1000 }),
  maxBatchSize: Type.Integer({ minimum: 1, maximum: 100 }),
  maxEventNameLength: Type.Integer({ minimum: 1, maximum: 1000 }),
  maxChannelNameLength: Type.Integer({ minimum: 1, maximum: 1000 }),
  maxPresenceMembers: Type.Integer({ minimum: 1, maximum: 10_000 }),
  maxUserInfoBytes: Type.Integer({ minimum: 1, maximum: 65_536 }),
  maxUserIdLength: Type.Integer({ minimum: 1, maximum: 1000 }),
  clientEventsPerSecond: Type.Integer({ minimum: 1, maximum: 1000, description: "Per connection; more are refused with an error" }),
  apiRequestsPerSecond: Type.Integer({ minimum: 0, maximum: 100_000, description: "HTTP API requests per second; 0 = unlimited (429 over it)" }),
  userAuthTimeout: Type.Integer({
    minimum: 1,
    maximum: 3600,
    description: "Seconds a connection may stay unauthenticated when authorized connections are on",
  }),
  maxWatchlistSize: Type.Integer({ minimum: 1, maximum: 1000, description: "Watchlist ids per user; more are refused with error 4302" }),
  maxChannelsPerConnection: Type.Integer({ minimum: 1, maximum: 100_000, description: "Channels one socket may join at once" }),
});
export type AppLimits = Static<typeof AppLimits>;

export const DEFAULT_LIMITS: AppLimits = {
  maxConnections: 0,
  maxMessageBytes: 10240,
  maxChannelsPerTrigger: 100,
  maxBatchSize: 10,
  maxEventNameLength: 200,
  maxChannelNameLength: 200,
  maxPresenceMembers: 100,
  maxUserInfoBytes: 1024,
  maxUserIdLength: 128,
  clientEventsPerSecond: 10,
  apiRequestsPerSecond: 0,
  userAuthTimeout: 30,
  maxWatchlistSize: 100,
  maxChannelsPerConnection: 1000,
};

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
  enabled: Type.Boolean(),
  clientEvents: Type.Boolean({ description: "Allow client- events on private/presence channels" }),
  userAuth: Type.Boolean({ description: "Authorized connections: close unauthenticated sockets (4009)" }),
  subscriptionCount: Type.Boolean({ description: "Send pusher_internal:subscription_count frames" }),
  watchlistEvents: Type.Boolean({ description: "Send watchlist online/offline events to signed-in users" }),
  lenientEventNames: Type.Boolean({
    description: "Accept any event name up to the length limit (e.g. Laravel's App\\Events\\OrderShipped)",
  }),
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
