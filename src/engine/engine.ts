/**
 * The transport-agnostic core: connects sockets to apps, dispatches their frames, runs the activity
 * check, and owns the live per-app state. The transport calls open/message/closed; the HTTP API calls
 * publish and the queries. Errors are values: PusherError becomes a frame or close code in `fail`.
 */
import { Code, closeReason, PusherError, SubscriptionError } from "../protocol/errors";
import { connectionEstablished, errorFrame, parseFrame, subscriptionErrorFrame } from "../protocol/frames";
import { newSocketId } from "../protocol/socket-id";
import type { App, AppDirectory } from "./app";
import { AppState } from "./app-state";
import { LifecycleBus } from "./bus";
import { dispatch } from "./dispatch";
import { sweep } from "./heartbeat";
import { NO_QUOTAS, type Broker, type Clock, type Connection, type Quotas } from "./ports";
import { publish, type PublishRequest } from "./publisher";
import { Session } from "./session";
import { signout } from "./signin";
import { SubscriptionCounts } from "./subscription-counts";
import { leave } from "./subscriptions";

export interface EngineConfig {
  /** Seconds advertised in connection_established and used for the server's own check (§1.4). */
  activityTimeout: number;
  /** Seconds to wait for any frame after the server pinged, before closing with 4201. */
  pongTimeout: number;
  cacheTtlMs: number;
  /** Protocol versions accepted; others close with 4007 (§1.1 [REC]). */
  protocols: readonly number[];
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  activityTimeout: 120,
  pongTimeout: 30,
  cacheTtlMs: 30 * 60 * 1000,
  protocols: [5, 6, 7],
};

export interface EngineDeps {
  apps: AppDirectory;
  broker: Broker;
  clock: Clock;
  config: EngineConfig;
  bus?: LifecycleBus;
  quotas?: Quotas;
}

export class Engine {
  readonly bus: LifecycleBus;
  readonly broker: Broker;
  readonly clock: Clock;
  readonly config: EngineConfig;
  readonly counts: SubscriptionCounts;
  readonly quotas: Quotas;
  private readonly apps: AppDirectory;
  private readonly states = new Map<string, AppState>();

  constructor(deps: EngineDeps) {
    this.apps = deps.apps;
    this.broker = deps.broker;
    this.clock = deps.clock;
    this.config = deps.config;
    this.bus = deps.bus ?? new LifecycleBus();
    this.quotas = deps.quotas ?? NO_QUOTAS;
    this.counts = new SubscriptionCounts(this.broker, this.bus, this.clock);
  }

  /** Live state of an app, created on first use. */
  state(app: App): AppState {
    let state = this.states.get(app.id);
    if (state === undefined) {
      state = new AppState(app);
      this.states.set(app.id, state);
    }
    return state;
  }

  peekState(appId: string): AppState | undefined {
    return this.states.get(appId);
  }

  /**
   * Handshake for a socket whose upgrade completed (§1.1: always upgrade, then close with 4xxx).
   * Returns the session, or undefined after sending the error and closing.
   */
  open(conn: Connection, key: string, protocol: string | null): Session | undefined {
    const app = this.apps.byKey(key);
    const refusal = this.refusal(app, protocol);
    if (refusal !== undefined) {
      conn.send(errorFrame(refusal));
      conn.close(refusal.code!, refusal.message);
      return undefined;
    }
    const state = this.state(app!);
    let socketId = newSocketId();
    while (state.sessions.has(socketId)) socketId = newSocketId();
    // The app's own key string, not the per-request copy: one string per app instead of per socket.
    const sharedKey = app!.keys.find((pair) => pair.key === key)?.key ?? key;
    const session = new Session(socketId, state, conn, this.clock.now(), sharedKey);
    state.sessions.set(socketId, session);
    conn.send(connectionEstablished(socketId, this.config.activityTimeout));
    this.bus.emit("connected", { appId: state.id, socketId });
    return session;
  }

  private refusal(app: App | undefined, protocol: string | null): PusherError | undefined {
    if (app === undefined) return new PusherError(Code.APP_NOT_FOUND, closeReason[Code.APP_NOT_FOUND]);
    if (!app.enabled) return new PusherError(Code.APP_DISABLED, closeReason[Code.APP_DISABLED]);
    // A missing protocol is treated as 7 (lenient, §1.1 [REC]).
    if (protocol !== null && !this.config.protocols.includes(Number(protocol))) {
      return new PusherError(Code.UNSUPPORTED_PROTOCOL, `Unsupported protocol version: ${protocol}`);
    }
    const max = app.limits.maxConnections;
    if (max > 0 && (this.states.get(app.id)?.sessions.size ?? 0) >= max) {
      return new PusherError(Code.OVER_CONNECTION_QUOTA, `Over connection quota: the app allows ${max} connections`);
    }
    // Last, because admitting reserves a connection in the account's count.
    const refused = this.quotas.admitConnection(app);
    if (refused !== null) return new PusherError(Code.OVER_CONNECTION_QUOTA, refused);
    return undefined;
  }

  /** One inbound text frame. Any frame counts as activity (§1.4). */
  message(session: Session, text: string): void {
    session.lastSeen = this.clock.now();
    session.pingSentAt = 0;
    try {
      const limit = session.app.app.limits.maxMessageBytes * 2 + 4096; // data plus envelope and auth
      if (text.length > limit) {
        throw new PusherError(null, `Message too large: ${text.length} characters, the limit is ${limit}`);
      }
      dispatch(this, session, parseFrame(text));
    } catch (err) {
      this.fail(session, err);
    }
  }

  /** Any other sign of life from the socket (protocol pong, binary frame). */
  activity(session: Session): void {
    session.lastSeen = this.clock.now();
    session.pingSentAt = 0;
  }

  /** Turns an error into frames or a close; the only place that does so on the WebSocket side. */
  fail(session: Session, err: unknown): void {
    if (!(err instanceof PusherError)) {
      console.error(`mawjly: internal error on socket ${session.socketId}:`, err);
      session.sendError(new PusherError(null, "Internal server error"));
      return;
    }
    if (err instanceof SubscriptionError) {
      session.send(errorFrame({ code: err.code, message: err.message }));
      session.send(subscriptionErrorFrame(err.channel!, err.type, err.message, err.status));
    } else {
      session.sendError(err);
    }
    this.bus.emit("error", { appId: session.app.id, socketId: session.socketId, code: err.code, message: err.message });
  }

  /** The socket closed (by either side): leave every channel, forget the session. */
  closed(session: Session, code?: number): void {
    if (session.closed) return;
    session.closed = true;
    for (const name of [...session.channels.keys()]) leave(this, session, name);
    signout(session);
    session.app.sessions.delete(session.socketId);
    this.quotas.connectionClosed(session.app.app);
    this.bus.emit("disconnected", { appId: session.app.id, socketId: session.socketId, code });
  }

  publish(app: App, req: PublishRequest): number {
    return publish(this, this.state(app), req);
  }

  /** Periodic checks: activity/pong (§1.4) and authorized connections (§3.8). */
  sweep(): void {
    sweep(this.states.values(), this.clock.now(), this.config);
  }

  /** An app was created, changed or deleted elsewhere (CLI, dashboard): apply it to live sockets. */
  reload(appId: string): void {
    const app = this.apps.byId(appId);
    if (app === undefined) this.bus.emit("app_removed", { appId });
    const state = this.states.get(appId);
    if (state === undefined) return;
    if (app === undefined) {
      // Sessions keep their AppState reference, so their close handlers still clean up after this.
      this.states.delete(appId);
      return this.closeAll(state, Code.APP_NOT_FOUND, closeReason[Code.APP_NOT_FOUND]);
    }
    state.app = app;
    if (!app.enabled) this.closeAll(state, Code.APP_DISABLED, closeReason[Code.APP_DISABLED]);
    else for (const s of state.sessions.values()) if (state.secretFor(s.key) === undefined) s.close(Code.UNAUTHORIZED, "App key revoked");
  }

  private closeAll(state: AppState, code: number, reason: string): void {
    for (const session of [...state.sessions.values()]) session.close(code, reason);
  }

  /** Graceful shutdown: every client is told to reconnect at once (4200), e.g. to the restarted server. */
  shutdown(): void {
    this.counts.stop();
    for (const state of this.states.values()) this.closeAll(state, Code.RECONNECT, closeReason[Code.RECONNECT]);
  }

  appStates(): IterableIterator<AppState> {
    return this.states.values();
  }
}
