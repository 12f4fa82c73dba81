/**
 * The transport-agnostic core: connects sockets to apps, dispatches their frames, runs the activity
 * check, and keeps this node's sockets. Everything shared by a cluster goes through the ports
 * (context.ts); the edges read live state through `live` (queries.ts), never through the maps here.
 * Errors are values: PusherError becomes a frame or close code in `fail`.
 */
import { Code, closeReason, PusherError, SubscriptionError } from "../protocol/errors";
import { errorFrame, subscriptionErrorFrame } from "../protocol/frames";
import { newSocketId } from "../protocol/socket-id";
import type { App, AppDirectory } from "./app";
import { AppState } from "./app-state";
import { LifecycleBus } from "./bus";
import { DEFAULT_ENGINE_CONFIG, type EngineConfig, type EngineContext, type EnginePorts } from "./context";
import { admit, forget, receive } from "./connection";
import { applyControl } from "./control";
import { applyDeparture, type NodeDeparture } from "./departure";
import { sweep } from "./heartbeat";
import { then, type MaybePromise } from "./maybe";
import type { Clock, Connection, ControlMessage } from "./ports";
import { publish, type PublishRequest } from "./publisher";
import { LiveQueries } from "./queries";
import { closeConnection, Session } from "./session";
import { runStep } from "./steps";
import { SubscriptionCounts } from "./subscription-counts";

export { DEFAULT_ENGINE_CONFIG, type EngineConfig };

export interface EngineDeps extends EnginePorts {
  apps: AppDirectory;
  clock: Clock;
  config: EngineConfig;
  bus?: LifecycleBus;
}

export class Engine implements EngineContext {
  readonly bus: LifecycleBus;
  readonly clock: Clock;
  readonly config: EngineConfig;
  readonly counts: SubscriptionCounts;
  readonly broker;
  readonly registry;
  readonly users;
  readonly cache;
  readonly counters;
  readonly control;
  readonly quotas;
  /** Live figures for the edges (HTTP API, management API, dashboard, metrics). */
  readonly live: LiveQueries;
  private readonly apps: AppDirectory;
  private readonly states = new Map<string, AppState>();
  /** `api:{appId}`, the name of each app's HTTP API rate counter (admitApiRequest). */
  private readonly apiCounterNames = new Map<string, string>();

  constructor(deps: EngineDeps) {
    this.apps = deps.apps;
    this.clock = deps.clock;
    this.config = deps.config;
    this.bus = deps.bus ?? new LifecycleBus();
    this.broker = deps.broker;
    this.registry = deps.registry;
    this.users = deps.users;
    this.cache = deps.cache;
    this.counters = deps.counters;
    this.control = deps.control;
    this.quotas = deps.quotas;
    this.counts = new SubscriptionCounts(this.broker, this.registry, this.bus, this.clock);
    this.live = new LiveQueries(this, () => this.states.values());
  }

  /** Live state of an app on this node, created on first use. */
  private state(app: App): AppState {
    let state = this.states.get(app.id);
    if (state === undefined) {
      state = new AppState(app);
      this.states.set(app.id, state);
    }
    return state;
  }

  /** The local socket with this id on a topic's app (the broker excludes a sender through it). */
  connection(topic: string, socketId: string): Connection | undefined {
    return this.states.get(topic.slice(0, topic.indexOf(":")))?.sessions.get(socketId)?.conn;
  }

  /**
   * Handshake for a socket whose upgrade completed (§1.1: always upgrade, then close with 4xxx).
   * Returns the session, or undefined after sending the error and closing. connection_established
   * follows once the connection limits admitted the socket; its frames wait until then.
   */
  open(conn: Connection, key: string, protocol: string | null): Session | undefined {
    const app = this.apps.byKey(key);
    const refusal = this.refusal(app, protocol);
    if (refusal !== undefined) {
      conn.send(errorFrame(refusal));
      closeConnection(conn, refusal.code!, refusal.message);
      return undefined;
    }
    const state = this.state(app!);
    let socketId = newSocketId();
    while (state.sessions.has(socketId)) socketId = newSocketId();
    // The app's own key string, not the per-request copy: one string per app instead of per socket.
    let sharedKey = key;
    for (const pair of app!.keys) {
      if (pair.key === key) {
        sharedKey = pair.key;
        break;
      }
    }
    const session = new Session(socketId, state, conn, this.clock.now(), sharedKey);
    state.sessions.set(socketId, session);
    runStep(this, session, admit, undefined);
    // Refused at once by the limits: the transport keeps no session for the closing socket.
    return session.closed ? undefined : session;
  }

  private refusal(app: App | undefined, protocol: string | null): PusherError | undefined {
    if (app === undefined) return new PusherError(Code.APP_NOT_FOUND, closeReason[Code.APP_NOT_FOUND]);
    if (!app.enabled) return new PusherError(Code.APP_DISABLED, closeReason[Code.APP_DISABLED]);
    // A missing protocol is treated as 7 (lenient, §1.1 [REC]).
    if (protocol !== null && !this.config.protocols.includes(Number(protocol))) {
      return new PusherError(Code.UNSUPPORTED_PROTOCOL, `Unsupported protocol version: ${protocol}`);
    }
    return undefined;
  }

  /** Too many frames waiting: the client is told to back off and reconnect (4100, §1.5). */
  overloaded(session: Session): void {
    if (session.closed) return;
    const err = new PusherError(Code.OVER_CAPACITY, "Over capacity: too many frames waiting for an answer; reconnect later");
    session.sendError(err);
    session.close(err.code!, err.message);
  }

  /** One inbound text frame. Any frame counts as activity (§1.4). */
  message(session: Session, text: string): void {
    session.lastSeen = this.clock.now();
    session.pingSentAt = 0;
    // Checked before the frame can wait in the socket's queue, so a queue holds small frames only.
    const limit = session.app.app.limits.maxMessageBytes * 2 + 4096; // data plus envelope and auth
    if (text.length > limit) {
      return this.fail(session, new PusherError(null, `Message too large: ${text.length} characters, the limit is ${limit}`));
    }
    runStep(this, session, receive, text);
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

  /** The socket closed (by either side): leave every channel, sign out, forget the session. */
  closed(session: Session, code?: number): void {
    if (session.closed) return;
    session.closed = true;
    runStep(this, session, forget, code);
  }

  /** Publishes an event (HTTP API, dashboard); answers with the number of recipients. */
  publish(app: App, req: PublishRequest): MaybePromise<number> {
    return publish(this, this.state(app), req);
  }

  /** Closes every connection signed in as the user, on every node (§5.8, §3.7). */
  terminateUser(appId: string, userId: string): void {
    this.control.publish({ kind: "terminate_user", appId, userId });
  }

  /** An app was created, changed or deleted (CLI, dashboard, API): every node applies it. */
  appChanged(appId: string): void {
    this.control.publish({ kind: "app_changed", appId });
  }

  /**
   * Per-app HTTP API requests per second (0 = unlimited): false when over. The window opens with its
   * first request and lasts one second (a counter with a one-second TTL), shared by the cluster.
   */
  admitApiRequest(app: App): MaybePromise<boolean> {
    const limit = app.limits.apiRequestsPerSecond;
    if (limit === 0) return true;
    let name = this.apiCounterNames.get(app.id);
    if (name === undefined) {
      // Kept per app id (only apps that exist get here; cleared if deleted ones pile up): no new
      // key string per request.
      if (this.apiCounterNames.size >= 10_000) this.apiCounterNames.clear();
      name = `api:${app.id}`;
      this.apiCounterNames.set(app.id, name);
    }
    return then(this.counters.addIfBelow(name, 1, limit, 1000), isCounted);
  }

  /** Another node died; this one was chosen to send the events its departure causes. */
  nodeDeparted(departure: NodeDeparture): void {
    applyDeparture(this, this.apps, departure);
  }

  /** Periodic checks: activity/pong (§1.4), authorized connections (§3.8), cache expiry. */
  sweep(): void {
    const now = this.clock.now();
    this.cache.prune(now);
    sweep(this.states.values(), now, this.config);
  }

  /** A control command from any node (ControlChannel). */
  applyControl(message: ControlMessage): void {
    if (message.kind === "app_changed") return this.reload(message.appId);
    const state = this.states.get(message.appId);
    if (state !== undefined) applyControl(state, message);
  }

  /** Applies a changed or deleted app to this node's live sockets. */
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

  /**
   * Resolves when no socket has a step waiting for a port's answer, or after `maxMs` (graceful stop:
   * a shared store that went away must not keep the process from exiting).
   */
  async settle(maxMs: number): Promise<void> {
    const deadline = this.clock.now() + maxMs;
    for (;;) {
      const pending: Promise<void>[] = [];
      for (const state of this.states.values()) for (const s of state.sessions.values()) if (s.pending !== undefined) pending.push(s.pending);
      const left = deadline - this.clock.now();
      if (pending.length === 0 || left <= 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.all(pending), new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
  }

  /** Ids of the apps with live state on this node (the app-change watcher polls these). */
  liveAppIds(): string[] {
    return [...this.states.keys()];
  }
}

/** addIfBelow's answer: null when over the limit. A plain function: no closure per API request. */
function isCounted(count: number | null): boolean {
  return count !== null;
}
