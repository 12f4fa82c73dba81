/**
 * Clients for integration tests: the official pusher-js (with an in-process auth endpoint built on
 * the official `pusher` SDK), the official `pusher` server SDK, and raw WebSockets for malformed input.
 */
import Pusher from "pusher";
import { signChannel } from "../../src/protocol/signatures";
import PusherJS from "pusher-js";
import type { App } from "../../src/engine/app";
import type { TestServer } from "./server";

export function serverSdk(server: TestServer, app: App, extra: Partial<Pusher.Options> = {}): Pusher {
  return new Pusher({
    appId: app.id,
    key: app.key,
    secret: app.secret,
    host: server.host,
    port: String(server.port),
    useTLS: false,
    ...extra,
  } as Pusher.Options);
}

export interface ClientOptions {
  /** Presence identity returned by the auth endpoint; undefined = no channel_data (use sign-in). */
  presence?: { user_id: string; user_info?: unknown } | null;
  /** user_data for pusher:signin. */
  user?: { id: string; user_info?: unknown; watchlist?: string[] };
  /** Extra pusher-js options. */
  options?: Record<string, unknown>;
  encryptionMasterKeyBase64?: string;
}

/** A pusher-js client whose channel and user authorization are signed by the `pusher` SDK in-process. */
export function pusherClient(server: TestServer, app: App, opts: ClientOptions = {}): PusherJS {
  const sdk = serverSdk(server, app, opts.encryptionMasterKeyBase64 ? { encryptionMasterKeyBase64: opts.encryptionMasterKeyBase64 } : {});
  return new PusherJS(app.key, {
    cluster: app.cluster,
    wsHost: server.host,
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ["ws"],
    disableStats: true,
    channelAuthorization: {
      customHandler: (params: { socketId: string; channelName: string }, callback: (e: Error | null, r: unknown) => void) => {
        const { socketId, channelName } = params;
        if (channelName.startsWith("presence-") && opts.presence !== null) {
          const data = opts.presence ?? { user_id: "user-1", user_info: { name: "User One" } };
          return callback(null, sdk.authorizeChannel(socketId, channelName, data as Pusher.PresenceChannelData));
        }
        callback(null, sdk.authorizeChannel(socketId, channelName));
      },
    },
    userAuthentication: {
      customHandler: (params: { socketId: string }, callback: (e: Error | null, r: unknown) => void) => {
        callback(null, sdk.authenticateUser(params.socketId, (opts.user ?? { id: "user-1" }) as Pusher.UserChannelData));
      },
    },
    ...opts.options,
  } as any);
}

const tracked: PusherJS[] = [];

/** A pusher-js client that `disconnectClients()` disconnects (register that in afterEach). */
export function trackedClient(server: TestServer, app: App, opts: ClientOptions = {}): PusherJS {
  const c = pusherClient(server, app, opts);
  tracked.push(c);
  return c;
}

/** A tracked pusher-js client, once connected. */
export async function connectedClient(server: TestServer, app: App, opts: ClientOptions = {}): Promise<PusherJS> {
  const c = trackedClient(server, app, opts);
  await connected(c);
  return c;
}

export function disconnectClients(): void {
  for (const c of tracked.splice(0)) c.disconnect();
}

export function waitFor<T = unknown>(bind: (cb: (value: T) => void) => void, ms = 5000, what = "event"): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    bind((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

export function connected(client: PusherJS): Promise<void> {
  if (client.connection.state === "connected") return Promise.resolve();
  return waitFor((cb) => client.connection.bind("connected", () => cb(undefined)), 5000, "connected");
}

/**
 * A pusher:ping → pusher:pong round trip on a pusher-js client's connection. Once it resolves, every
 * frame the server sent this client before it handled the ping has reached the client's handlers (one
 * connection keeps its order): the condition to wait for before asserting that something did NOT
 * arrive. Fails when the connection is not open, so such an assertion cannot pass on a dead client.
 */
export async function roundTrip(client: PusherJS, ms = 5000): Promise<void> {
  if (!client.connection.send_event("pusher:ping", {})) throw new Error(`cannot ping: the connection is ${client.connection.state}`);
  await waitFor(
    (cb) => {
      const onMessage = (m: { event?: string }) => {
        if (m.event !== "pusher:pong") return;
        client.connection.unbind("message", onMessage);
        cb(undefined);
      };
      client.connection.bind("message", onMessage);
    },
    ms,
    "pusher:pong",
  );
}

/** A raw WebSocket that records every frame and close, for malformed-input and close-code tests. */
export class RawSocket {
  readonly frames: any[] = [];
  closeCode: number | undefined;
  closeReason: string | undefined;
  private waiters: Array<() => void> = [];
  readonly ws: WebSocket;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.onmessage = (e) => {
      this.frames.push(JSON.parse(String(e.data)));
      this.wake();
    };
    this.ws.onclose = (e) => {
      this.closeCode = e.code;
      this.closeReason = e.reason;
      this.wake();
    };
  }

  /** The handshake frame (connection_established, or pusher:error for a refused connection). */
  handshake: any;

  static async connect(server: TestServer, key: string, query = "?protocol=7"): Promise<RawSocket> {
    const socket = new RawSocket(`${server.wsUrl}/app/${key}${query}`);
    socket.handshake = await socket.next((f) => f.event === "pusher:connection_established" || f.event === "pusher:error");
    return socket;
  }

  get socketId(): string {
    return JSON.parse(this.handshake.data).socket_id;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first frame (already received or still to come) matching the predicate. */
  async next(match: (frame: any) => boolean, ms = 5000): Promise<any> {
    const deadline = Date.now() + ms;
    let seen = 0;
    for (;;) {
      for (; seen < this.frames.length; seen++) if (match(this.frames[seen])) return this.frames.splice(seen, 1)[0];
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) before the expected frame`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; frames: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async closed(ms = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + ms;
    while (this.closeCode === undefined) {
      if (Date.now() > deadline) throw new Error("socket did not close");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return { code: this.closeCode, reason: this.closeReason ?? "" };
  }

  close(): void {
    this.ws.close();
  }
}

const trackedSockets: RawSocket[] = [];

/** A raw socket past its handshake, closed by `closeSockets()`. */
export async function trackedSocket(server: TestServer, key: string): Promise<RawSocket> {
  const socket = await RawSocket.connect(server, key);
  trackedSockets.push(socket);
  return socket;
}

/** A tracked raw socket subscribed to `channel`, signed for private/presence (presence as `userId`). */
export async function subscribedSocket(server: TestServer, app: App, channel: string, userId?: string, userInfo?: unknown): Promise<RawSocket> {
  const socket = await trackedSocket(server, app.key);
  const data: Record<string, string> = { channel, auth: "" };
  if (userId !== undefined) data.channel_data = JSON.stringify({ user_id: userId, user_info: userInfo });
  if (channel.startsWith("private-") || channel.startsWith("presence-")) {
    data.auth = signChannel(app.key, app.secret, socket.socketId, channel, data.channel_data);
  }
  socket.send({ event: "pusher:subscribe", data });
  await socket.next((f) => f.event === "pusher_internal:subscription_succeeded" && f.channel === channel);
  return socket;
}

export function closeSockets(): void {
  for (const s of trackedSockets.splice(0)) if (s.closeCode === undefined) s.close();
}
