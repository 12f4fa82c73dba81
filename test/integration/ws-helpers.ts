/**
 * Shared helpers for the ws-*.test.ts files: tracked clients (every pusher-js client and raw socket
 * made here is closed by `cleanup()`, which each file registers in afterEach), signatures computed
 * independently of the server code, raw-frame expectations, and HTTP API queries through the SDK.
 */
import { expect } from "bun:test";
import { createHmac, randomBytes } from "node:crypto";
import { connect as netConnect, type Socket as NetSocket } from "node:net";
import type PusherJS from "pusher-js";
import type { App } from "../../src/engine/app";
import { connectedClient, disconnectClients, RawSocket, roundTrip, serverSdk, trackedClient, waitFor } from "../support/clients";
import type { TestServer } from "../support/server";

export { roundTrip, serverSdk, waitFor };

const openSockets: RawSocket[] = [];

/**
 * RawSocket whose socket id survives `next()`: RawSocket.socketId reads frames[0], but next() removes
 * the frames it returns, including pusher:connection_established (so we keep that frame aside).
 */
export class Socket extends RawSocket {
  established: any;
  /** Every frame received, in order, never consumed (for ordering assertions). */
  readonly log: any[] = [];
  constructor(url: string) {
    super(url);
    this.ws.addEventListener("message", (e) => this.log.push(JSON.parse(String(e.data))));
  }
  override get socketId(): string {
    return JSON.parse(this.established.data).socket_id;
  }
}

export { connectedClient, trackedClient as client };

/** A raw socket that has received its first frame (connection_established or pusher:error). */
export async function raw(server: TestServer, key: string, query = "?protocol=7"): Promise<Socket> {
  const socket = new Socket(`${server.wsUrl}/app/${key}${query}`);
  openSockets.push(socket);
  socket.established = await socket.next((f) => f.event === "pusher:connection_established" || f.event === "pusher:error");
  return socket;
}

/** A raw socket on any path, not waiting for anything; `opened` resolves when the upgrade completed. */
export function rawUrl(url: string): { socket: Socket; opened: Promise<boolean> } {
  const socket = new Socket(url);
  openSockets.push(socket);
  const opened = new Promise<boolean>((resolve) => {
    socket.ws.addEventListener("open", () => resolve(true));
    socket.ws.addEventListener("close", () => resolve(false));
  });
  return { socket, opened };
}

/** Disconnects every tracked client and closes every tracked socket. */
export function cleanup(): void {
  disconnectClients();
  for (const s of openSockets.splice(0)) if (s.closeCode === undefined) s.close();
  cleanupBare();
}

function hmac(secret: string, message: string): string {
  return createHmac("sha256", secret).update(message).digest("hex");
}

/** `<key>:<signature>` over `<socket_id>:<channel>[:<channel_data>]`, as an auth endpoint computes it. */
export function channelAuth(app: App, socketId: string, channel: string, channelData?: string): string {
  const toSign = channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
  return `${app.key}:${hmac(app.secret, toSign)}`;
}

/** `<key>:<signature>` over `<socket_id>::user::<user_data>`. */
export function userAuth(app: App, socketId: string, userData: string): string {
  return `${app.key}:${hmac(app.secret, `${socketId}::user::${userData}`)}`;
}

/** Sends pusher:subscribe with correct auth for the channel type and returns subscription_succeeded. */
export async function subscribeRaw(socket: Socket, app: App, channel: string, channelData?: string): Promise<any> {
  const needsAuth = /^(private-|presence-)/.test(channel);
  const auth = needsAuth ? channelAuth(app, socket.socketId, channel, channelData) : "";
  const data: Record<string, string> = { auth, channel };
  if (channelData !== undefined) data.channel_data = channelData;
  socket.send({ event: "pusher:subscribe", data });
  return socket.next((f) => f.event === "pusher_internal:subscription_succeeded" && f.channel === channel);
}

/** The next pusher:error frame; asserts its code and message (and channel when given, else no channel). */
export async function expectError(
  socket: RawSocket,
  code: number | null,
  message: string,
  channel?: string,
): Promise<any> {
  const frame = await socket.next((f) => f.event === "pusher:error");
  const expected: Record<string, unknown> = { event: "pusher:error", data: { code, message } };
  if (channel !== undefined) expected.channel = channel;
  expect(frame).toEqual(expected);
  return frame;
}

/**
 * Expects a refused subscription (§2.6): pusher:error without channel, then pusher:subscription_error
 * with the channel and {type, error, status}; no subscription_succeeded; the socket stays open.
 * (Whether subscription_error's data is a string or an object is checked in ws-channels.test.ts.)
 */
export async function expectSubscriptionRefused(
  socket: Socket,
  channel: string,
  code: number | null,
  message: string,
  type: string,
  status: number,
): Promise<void> {
  await expectError(socket, code, message);
  const frame = await socket.next((f) => f.event === "pusher:subscription_error");
  expect(frame.channel).toBe(channel);
  expect(decode(frame.data)).toEqual({ type, error: message, status });
  expect(socket.frames.filter((f) => f.event === "pusher_internal:subscription_succeeded")).toEqual([]);
  await expectOpen(socket);
}

/** A frame's data decoded from its JSON string (objects are returned as they are). */
export function decode(data: unknown): any {
  return typeof data === "string" ? JSON.parse(data) : data;
}

/**
 * Asserts that no (unconsumed) frame matching `match` reaches the socket. Absence has no event to
 * wait for, so the `ms` window is the thing under test; a ping/pong round trip after it proves that
 * the socket is still open (a closed socket receives nothing) and flushes every frame the server
 * queued for it before, so that neither can make the check pass vacuously.
 */
export async function expectNoFrame(socket: RawSocket, match: (f: any) => boolean = () => true, ms = 250) {
  await Bun.sleep(ms);
  socket.send({ event: "pusher:ping", data: {} });
  await socket.next((f) => f.event === "pusher:pong");
  expect(socket.frames.filter(match)).toEqual([]);
}

/** The socket is still open: a pusher:ping is answered with pusher:pong. */
export async function expectOpen(socket: RawSocket): Promise<void> {
  expect(socket.closeCode).toBeUndefined();
  socket.send({ event: "pusher:ping", data: {} });
  expect(await socket.next((f) => f.event === "pusher:pong")).toEqual({ event: "pusher:pong", data: "{}" });
}

/** GET through the official SDK (signed); returns status and parsed body. */
export async function apiGet(server: TestServer, app: App, path: string, params: Record<string, string> = {}) {
  const res = await serverSdk(server, app).get({ path, params });
  return { status: res.status, body: (await res.json()) as any };
}

export async function subscriptionCount(server: TestServer, app: App, channel: string): Promise<number> {
  const { body } = await apiGet(server, app, `/channels/${channel}`, { info: "subscription_count" });
  return body.subscription_count;
}

/** Resolves once a pusher-js channel reports pusher:subscription_succeeded, with its data. */
export function subscribed(channel: { bind: (e: string, cb: (d: any) => void) => void }, ms = 5000): Promise<any> {
  return waitFor((cb) => channel.bind("pusher:subscription_succeeded", cb), ms, "subscription_succeeded");
}

/** Resolves when the pusher-js connection enters `state`. */
export function stateReached(c: PusherJS, state: string, ms = 5000): Promise<void> {
  if (c.connection.state === state) return Promise.resolve();
  return waitFor<void>((cb) => c.connection.bind(state, () => cb(undefined)), ms, `state ${state}`);
}

/**
 * A bare WebSocket client over TCP that answers nothing by itself: unlike WebSocket implementations,
 * it does not reply to protocol pings, so it can play a dead client for the 4201 check.
 */
export class BareSocket {
  readonly frames: any[] = [];
  protocolPings = 0;
  closeCode: number | undefined;
  closeReason = "";
  private buffer = Buffer.alloc(0);
  private upgraded = false;
  private waiters: Array<() => void> = [];

  private constructor(private readonly tcp: NetSocket) {
    tcp.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
      for (const w of this.waiters.splice(0)) w();
    });
    tcp.on("close", () => {
      this.closeCode ??= 1006;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(server: TestServer, key: string): BareSocket {
    const tcp = netConnect(server.port, server.host);
    const socket = new BareSocket(tcp);
    openBare.push(socket);
    tcp.write(
      `GET /app/${key}?protocol=7 HTTP/1.1\r\nHost: ${server.host}:${server.port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    return socket;
  }

  private parse(): void {
    if (!this.upgraded) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString();
      if (!head.startsWith("HTTP/1.1 101")) throw new Error(`upgrade refused: ${head}`);
      this.upgraded = true;
      this.buffer = this.buffer.subarray(end + 4);
    }
    for (;;) {
      if (this.buffer.length < 2) return;
      const opcode = this.buffer[0]! & 0x0f;
      let length = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) return;
      const payload = this.buffer.subarray(offset, offset + length);
      this.buffer = this.buffer.subarray(offset + length);
      if (opcode === 1) this.frames.push(JSON.parse(payload.toString()));
      else if (opcode === 9) this.protocolPings++;
      else if (opcode === 8) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.closeReason = payload.subarray(2).toString();
      }
    }
  }

  /** Sends one masked text frame (client frames must be masked). */
  sendText(text: string): void {
    const payload = Buffer.from(text);
    const mask = randomBytes(4);
    const header =
      payload.length < 126
        ? Buffer.from([0x81, 0x80 | payload.length])
        : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    this.tcp.write(Buffer.concat([header, mask, masked]));
  }

  async next(match: (frame: any) => boolean, ms = 5000): Promise<any> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.frames.findIndex(match);
      if (index >= 0) return this.frames.splice(index, 1)[0];
      if (this.closeCode !== undefined) throw new Error(`closed (${this.closeCode}) before the expected frame`);
      if (Date.now() >= deadline) throw new Error(`timed out; frames: ${JSON.stringify(this.frames)}`);
      await this.wait(deadline - Date.now());
    }
  }

  async closed(ms = 5000): Promise<number> {
    const deadline = Date.now() + ms;
    while (this.closeCode === undefined) {
      if (Date.now() >= deadline) throw new Error("socket did not close");
      await this.wait(deadline - Date.now());
    }
    return this.closeCode;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  destroy(): void {
    this.tcp.destroy();
  }
}

const openBare: BareSocket[] = [];

/** Also destroys bare sockets (called by cleanup). */
function cleanupBare(): void {
  for (const s of openBare.splice(0)) s.destroy();
}
