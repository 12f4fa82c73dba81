/**
 * Per-connection protocol state. A Session is created by the engine after a successful handshake and
 * lives until the socket closes. It holds no transport details beyond the Connection port.
 */
import { errorFrame } from "../protocol/frames";
import type { PusherError } from "../protocol/errors";
import type { AppState } from "./app-state";
import type { Connection } from "./ports";

/** What a socket knows about one of its channels. */
export interface Subscription {
  /** The presence user id this socket joined as (presence channels only). */
  userId?: string;
}

export interface SignedInUser {
  id: string;
  info: unknown;
  watchlist: string[];
}

export class Session {
  readonly channels = new Map<string, Subscription>();
  /** Last time any frame arrived (ms); drives the activity check (§1.4). */
  lastSeen: number;
  /** When the server pinged and is waiting for an answer, else 0. */
  pingSentAt = 0;
  /** Client-event rate window (§4 rule 7): start of the current second and events counted in it. */
  rateWindowStart = 0;
  rateWindowCount = 0;
  user: SignedInUser | undefined;
  /** Signed in or joined a private/presence channel: passes the authorized-connections check (§3.8). */
  authorized = false;
  readonly connectedAt: number;
  closed = false;
  /** The frames of this socket still waiting for a port's answer, in order (Engine.run). */
  pending: Promise<void> | undefined = undefined;
  /** How many steps wait behind `pending` (bounded by the engine). */
  queued = 0;

  constructor(
    readonly socketId: string,
    readonly app: AppState,
    readonly conn: Connection,
    now: number,
    /** The key this socket connected with; revoking that key closes it. */
    readonly key: string,
  ) {
    this.lastSeen = now;
    this.connectedAt = now;
  }

  send(frame: string): void {
    if (!this.closed) this.conn.send(frame);
  }

  sendError(err: PusherError): void {
    this.send(errorFrame(err));
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.conn.close(code, reason);
  }
}
