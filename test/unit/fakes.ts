/**
 * Fakes for driving the engine without any I/O (STYLE.md principle 1): a Connection that records what
 * the engine does to it, a Broker that fans out to subscribed fake connections (a connection's own
 * publish skips itself, as Bun's ws.publish does), a manual Clock and an in-memory AppDirectory.
 */
import { DEFAULT_LIMITS, DEFAULT_TOGGLES, type App, type AppDirectory } from "../../src/engine/app";
import { DEFAULT_ENGINE_CONFIG, Engine, type EngineConfig } from "../../src/engine/engine";
import { NO_QUOTAS, type Broker, type Clock, type Connection } from "../../src/engine/ports";
import { MemoryChannelCache } from "../../src/adapters/cache/memory";
import { MemoryControlChannel } from "../../src/adapters/control/memory";
import { MemoryCounters } from "../../src/adapters/counters/memory";
import { MemoryChannelRegistry } from "../../src/adapters/registry/memory";
import { MemoryUserRegistry } from "../../src/adapters/users/memory";
import type { Session } from "../../src/engine/session";

export class FakeClock implements Clock {
  constructor(public ms = 1_700_000_000_000) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export class FakeBroker implements Broker {
  readonly topics = new Map<string, Set<FakeConnection>>();
  readonly published: Array<{ topic: string; frame: string; except?: string }> = [];
  /** Finds the excluded socket among the topic's app's sockets (set by the harness: engine.connection). */
  socket: (topic: string, socketId: string) => Connection | undefined = () => undefined;

  publish(topic: string, frame: string, except?: string): void {
    this.published.push(except === undefined ? { topic, frame } : { topic, frame, except });
    const excluded = except === undefined ? undefined : this.socket(topic, except);
    this.deliver(topic, frame, excluded as FakeConnection | undefined);
  }

  subscribe(conn: Connection, topic: string): void {
    conn.subscribe(topic);
  }

  unsubscribe(conn: Connection, topic: string): void {
    conn.unsubscribe(topic);
  }

  deliver(topic: string, frame: string, except?: FakeConnection): void {
    for (const conn of this.topics.get(topic) ?? []) if (conn !== except) conn.receive(frame);
  }

  join(topic: string, conn: FakeConnection): void {
    const set = this.topics.get(topic) ?? new Set();
    set.add(conn);
    this.topics.set(topic, set);
  }

  leave(topic: string, conn: FakeConnection): void {
    this.topics.get(topic)?.delete(conn);
  }
}

export class FakeConnection implements Connection {
  /** Raw frames in the order the engine sent or the broker delivered them. */
  readonly sent: string[] = [];
  readonly closes: Array<{ code: number; reason: string }> = [];
  readonly topics = new Set<string>();
  readonly sentAfterClose: string[] = [];
  pings = 0;
  /** Set by the harness: what the transport does when the socket closes (engine.closed). */
  onClose: (code: number) => void = () => {};

  constructor(private readonly broker: FakeBroker) {}

  send(frame: string): void {
    // A closed Bun socket drops writes; record them apart so a test can still see them.
    if (this.closes.length > 0) this.sentAfterClose.push(frame);
    else this.sent.push(frame);
  }
  receive(frame: string): void {
    if (this.closes.length === 0) this.sent.push(frame);
  }
  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
    for (const topic of this.topics) this.broker.leave(topic, this);
    this.topics.clear();
    this.onClose(code);
  }
  subscribe(topic: string): void {
    this.topics.add(topic);
    this.broker.join(topic, this);
  }
  unsubscribe(topic: string): void {
    this.topics.delete(topic);
    this.broker.leave(topic, this);
  }
  publish(topic: string, frame: string): void {
    this.broker.deliver(topic, frame, this);
  }
  ping(): void {
    this.pings++;
  }

  /** Every frame as parsed JSON. */
  frames(): any[] {
    return this.sent.map((f) => JSON.parse(f));
  }
  /** Frames with the given event name, parsed. */
  events(name: string): any[] {
    return this.frames().filter((f) => f.event === name);
  }
  /** Removes and returns what was recorded so far. */
  take(): string[] {
    return this.sent.splice(0);
  }
}

export class MemoryAppDirectory implements AppDirectory {
  readonly apps = new Map<string, App>();

  constructor(apps: App[] = []) {
    for (const app of apps) this.put(app);
  }
  put(app: App): void {
    this.apps.set(app.id, app);
  }
  remove(id: string): void {
    this.apps.delete(id);
  }
  byId(id: string): App | undefined {
    return this.apps.get(id);
  }
  byKey(key: string): App | undefined {
    for (const app of this.apps.values()) if (app.key === key) return app;
    return undefined;
  }
}

/**
 * The app of PUSHER-PROTOCOL.md's worked examples (id 3), with Pusher's default limits. Unless `keys`
 * is given, the one active key pair is `key`/`secret`.
 */
export function makeApp(overrides: Partial<Omit<App, "limits">> & { limits?: Partial<App["limits"]> } = {}): App {
  const { limits, ...rest } = overrides;
  const app = {
    id: "3",
    key: "278d425bdf160c739803",
    secret: "7ad3773142a6692b25b8",
    accountId: null,
    name: "test app",
    cluster: "sa",
    ...DEFAULT_TOGGLES,
    createdAt: "2023-11-14T22:13:20.000Z",
    updatedAt: "2023-11-14T22:13:20.000Z",
    ...rest,
    limits: { ...DEFAULT_LIMITS, ...limits },
  };
  return { keys: [{ key: app.key, secret: app.secret, createdAt: app.createdAt }], ...app } as App;
}

/** An engine over fakes, with helpers that play the transport's part. */
export class Harness {
  readonly clock = new FakeClock();
  readonly broker = new FakeBroker();
  readonly cache = new MemoryChannelCache();
  readonly directory: MemoryAppDirectory;
  readonly engine: Engine;

  constructor(apps: App[] = [makeApp()], config: Partial<EngineConfig> = {}) {
    this.directory = new MemoryAppDirectory(apps);
    const control = new MemoryControlChannel();
    this.engine = new Engine({
      apps: this.directory,
      broker: this.broker,
      registry: new MemoryChannelRegistry(),
      users: new MemoryUserRegistry(),
      cache: this.cache,
      counters: new MemoryCounters(this.clock),
      control,
      quotas: NO_QUOTAS,
      clock: this.clock,
      config: { ...DEFAULT_ENGINE_CONFIG, ...config },
    });
    control.onMessage((message) => this.engine.applyControl(message));
    this.broker.socket = (topic, socketId) => this.engine.connection(topic, socketId);
  }

  /** Opens a socket as the transport does; the connection reports its close back to the engine. */
  connect(key = "278d425bdf160c739803", protocol: string | null = "7"): { conn: FakeConnection; session?: Session } {
    const conn = new FakeConnection(this.broker);
    const session = this.engine.open(conn, key, protocol);
    if (session !== undefined) conn.onClose = (code) => this.engine.closed(session, code);
    return { conn, session };
  }

  /** Opens a socket that must be accepted; drops connection_established from its record. */
  open(key?: string): { conn: FakeConnection; session: Session } {
    const { conn, session } = this.connect(key);
    if (session === undefined) throw new Error(`connection refused: ${conn.sent.join(" ")}`);
    conn.take();
    return { conn, session };
  }

  send(session: Session, frame: unknown): void {
    this.engine.message(session, typeof frame === "string" ? frame : JSON.stringify(frame));
  }
}
