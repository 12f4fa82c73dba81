/**
 * Every Pusher error code Mawjly emits, in one table (PUSHER-PROTOCOL.md §1.5).
 * The range of a code tells pusher-js what to do: 4000–4099 never reconnect, 4100–4199 back off,
 * 4200–4299 reconnect at once, 4300–4399 are per-message errors that must never be close codes.
 * Only the transport turns a PusherError into a frame or close code; only the HTTP layer turns an
 * HttpError into a status and body.
 */
export const Code = {
  TLS_REQUIRED: 4000,
  APP_NOT_FOUND: 4001,
  APP_DISABLED: 4003,
  OVER_CONNECTION_QUOTA: 4004,
  PATH_NOT_FOUND: 4005,
  INVALID_VERSION: 4006,
  UNSUPPORTED_PROTOCOL: 4007,
  NO_PROTOCOL: 4008,
  UNAUTHORIZED: 4009,
  OVER_CAPACITY: 4100,
  RECONNECT: 4200,
  PONG_NOT_RECEIVED: 4201,
  CLIENT_EVENT_REJECTED: 4301,
  WATCHLIST_LIMIT: 4302,
} as const;

export type PusherCode = (typeof Code)[keyof typeof Code];

/**
 * Client input quoted in an error message, cut to a readable length: messages travel back to the
 * client, into logs and into the debug console, and must not grow with what a client sends.
 */
export function quoted(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

/** A protocol-level failure. `code: null` is what Pusher sends for subscription auth failures (§2.6). */
export class PusherError extends Error {
  constructor(
    readonly code: PusherCode | null,
    message: string,
    /** The channel the error concerns; pusher-js then also emits it on that channel object (§4). */
    readonly channel?: string,
  ) {
    super(message);
    this.name = "PusherError";
  }

  /** 4300–4399 are reported per message; closing with them makes pusher-js give up for good (§1.5). */
  get isCloseCode(): boolean {
    return this.code !== null && this.code < 4300;
  }
}

/** An HTTP API failure with Pusher's status (§5.1): 400, 401, 403, 404, 413, 429. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 413 | 429 | 500,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const closeReason = {
  [Code.APP_NOT_FOUND]: "App key not found",
  [Code.APP_DISABLED]: "App is disabled",
  [Code.OVER_CONNECTION_QUOTA]: "Over connection quota",
  [Code.PATH_NOT_FOUND]: "Path not found",
  [Code.UNSUPPORTED_PROTOCOL]: "Unsupported protocol version",
  [Code.NO_PROTOCOL]: "No protocol version supplied",
  [Code.UNAUTHORIZED]: "Connection is unauthorized",
  [Code.RECONNECT]: "Server is restarting, reconnect",
  [Code.PONG_NOT_RECEIVED]: "Pong reply not received",
} as const;

/**
 * A refused subscription (§2.6). Sent as Pusher's `pusher:error` (code null for signature problems)
 * plus a `pusher:subscription_error` frame with the channel, so channel-level handlers fire as well.
 */
export class SubscriptionError extends PusherError {
  constructor(
    code: PusherCode | null,
    message: string,
    channel: string,
    readonly type: "AuthError" | "LimitReached" | "BadRequest",
    readonly status: number,
  ) {
    super(code, message, channel);
    this.name = "SubscriptionError";
  }
}

/** The account's daily message quota is used up: HTTP 403 (§5.1), client events refused with 4301. */
export class QuotaExceededError extends Error {
  constructor(message = "Message quota exceeded: the account's daily message allowance is used up") {
    super(message);
    this.name = "QuotaExceededError";
  }
}
