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

/**
 * A socket's channels, Map-like for what the engine uses. Most sockets hold one channel, and a Map
 * costs ~370 bytes even for one entry (bench/diagnose.ts): the first channel lives in two fields and
 * a Map is made only for a second one. Insertion order is kept (closing sockets leave in order).
 * Session extends it, so these fields live in the session object itself (an object of its own cost
 * 48 bytes more per socket); the engine reads them through `session.channels`.
 */
export class SocketChannels {
  private firstName: string | undefined = undefined;
  private firstSub: Subscription | undefined = undefined;
  private more: Map<string, Subscription> | undefined = undefined;

  get size(): number {
    return (this.firstName === undefined ? 0 : 1) + (this.more?.size ?? 0);
  }

  has(name: string): boolean {
    return this.firstName === name || (this.more?.has(name) ?? false);
  }

  get(name: string): Subscription | undefined {
    return this.firstName === name ? this.firstSub : this.more?.get(name);
  }

  set(name: string, sub: Subscription): void {
    if (this.firstName === name || (this.firstName === undefined && !this.more?.size)) {
      this.firstName = name;
      this.firstSub = sub;
    } else {
      (this.more ??= new Map()).set(name, sub);
    }
  }

  delete(name: string): boolean {
    if (this.firstName === name) {
      this.firstName = undefined;
      this.firstSub = undefined;
      // Keep the oldest channel in front, so keys() stays in insertion order.
      if (this.more !== undefined && this.more.size > 0) {
        const [nextName, nextSub] = this.more.entries().next().value!;
        this.more.delete(nextName);
        this.firstName = nextName;
        this.firstSub = nextSub;
      }
      if (this.more?.size === 0) this.more = undefined;
      return true;
    }
    const removed = this.more?.delete(name) ?? false;
    if (this.more?.size === 0) this.more = undefined;
    return removed;
  }

  /** The oldest channel, or undefined when there is none. */
  first(): string | undefined {
    return this.firstName;
  }

  *keys(): IterableIterator<string> {
    if (this.firstName !== undefined) yield this.firstName;
    if (this.more !== undefined) yield* this.more.keys();
  }
}

/** State most sockets never use, kept apart so that an idle socket does not pay for it. */
interface RareState {
  user: SignedInUser | undefined;
  rateWindowStart: number;
  rateWindowCount: number;
  pending: Promise<void> | undefined;
  queued: number;
}

const AUTHORIZED = 1;
const CLOSED = 2;

/**
 * Few own fields on purpose (bench/ memory scenario): JSC keeps up to about 12 of them inline (the
 * channel fields included), and an object with more grows. Rarely used state lives in `rare`, and the
 * two flags share one number; accessors keep the engine's reads unchanged.
 */
export class Session extends SocketChannels {
  private rare: RareState | undefined = undefined;
  private flags = 0;
  /** Last time any frame arrived (ms); drives the activity check (§1.4). */
  lastSeen: number;
  /** When the server pinged and is waiting for an answer, else 0. */
  pingSentAt = 0;
  readonly connectedAt: number;

  constructor(
    readonly socketId: string,
    readonly app: AppState,
    readonly conn: Connection,
    now: number,
    /** The key this socket connected with; revoking that key closes it. */
    readonly key: string,
  ) {
    super();
    this.lastSeen = now;
    this.connectedAt = now;
  }

  /** This socket's channels (the fields of SocketChannels, which Session extends). */
  get channels(): SocketChannels {
    return this;
  }

  private rareState(): RareState {
    return (this.rare ??= { user: undefined, rateWindowStart: 0, rateWindowCount: 0, pending: undefined, queued: 0 });
  }

  get user(): SignedInUser | undefined {
    return this.rare?.user;
  }
  set user(user: SignedInUser | undefined) {
    if (user !== undefined || this.rare !== undefined) this.rareState().user = user;
  }

  /** Client-event rate window (§4 rule 7): start of the current second and events counted in it. */
  get rateWindowStart(): number {
    return this.rare?.rateWindowStart ?? 0;
  }
  set rateWindowStart(at: number) {
    this.rareState().rateWindowStart = at;
  }
  get rateWindowCount(): number {
    return this.rare?.rateWindowCount ?? 0;
  }
  set rateWindowCount(count: number) {
    this.rareState().rateWindowCount = count;
  }

  /** The frames of this socket still waiting for a port's answer, in order (engine/steps.ts). */
  get pending(): Promise<void> | undefined {
    return this.rare?.pending;
  }
  set pending(pending: Promise<void> | undefined) {
    if (pending !== undefined || this.rare !== undefined) this.rareState().pending = pending;
  }

  /** How many steps wait behind `pending` (bounded by the engine). */
  get queued(): number {
    return this.rare?.queued ?? 0;
  }
  set queued(n: number) {
    if (n !== 0 || this.rare !== undefined) this.rareState().queued = n;
  }

  /** Signed in or joined a private/presence channel: passes the authorized-connections check (§3.8). */
  get authorized(): boolean {
    return (this.flags & AUTHORIZED) !== 0;
  }
  set authorized(on: boolean) {
    this.flags = on ? this.flags | AUTHORIZED : this.flags & ~AUTHORIZED;
  }

  get closed(): boolean {
    return (this.flags & CLOSED) !== 0;
  }
  set closed(on: boolean) {
    this.flags = on ? this.flags | CLOSED : this.flags & ~CLOSED;
  }

  send(frame: string): void {
    if (!this.closed) this.conn.send(frame);
  }

  sendError(err: PusherError): void {
    this.send(errorFrame(err));
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    closeConnection(this.conn, code, reason);
  }
}

/** Closes a socket; a close frame carries at most 123 bytes of reason (RFC 6455 §5.5). */
export function closeConnection(conn: Connection, code: number, reason: string): void {
  conn.close(code, reason.length > 120 ? reason.slice(0, 120) : reason);
}
