/**
 * The edge between Bun's native WebSocket server and the engine: upgrades `/app/{key}`, adapts a Bun
 * socket to the engine's Connection port, and forwards raw text frames (Elysia's .ws() would parse
 * them for us and cost ~3 KB more per socket; DEVELOPERS.md).
 */
import type { Server, WebSocketHandler } from "bun";
import { Code, closeReason, PusherError } from "../protocol/errors";
import { errorFrame } from "../protocol/frames";
import type { Engine } from "../engine/engine";
import { Session } from "../engine/session";

/** What the upgrade learned, read once by `open`. */
export interface Handshake {
  key: string;
  protocol: string | null;
  badPath: boolean;
}

/**
 * A socket's data: its handshake until `open`, then its Session (undefined when it was refused), so
 * an open socket keeps no handshake object of its own (bench/ memory scenario).
 */
export type SocketData = Handshake | Session | undefined;

/** `/app/{key}`, optionally under a prefix (pusher-js `wsPath`, or a proxy that mounts us under one). */
export const APP_PATH = /^(?:\/[^?#]*)?\/app\/([^/]+)$/;

/**
 * Upgrades every WebSocket request, whatever its path: unknown paths are closed with 4005 after the
 * upgrade, since a refused upgrade looks like a network error and pusher-js retries forever (§1.1).
 * Plain HTTP requests under /app/ are told to upgrade; any other request is not ours (false).
 */
export function tryUpgrade(req: Request, url: URL, server: Server<SocketData>, method = req.method): Response | undefined | false {
  // A GET is offered to Bun's upgrade first: it checks the handshake natively, while reading
  // req.headers here would copy every header into a Headers object on every connect. Only a request
  // it did not upgrade has its Upgrade header read, to tell a failed handshake from plain HTTP.
  const pathname = url.pathname;
  if (method === "GET") {
    const key = appKeyOf(pathname);
    const data: Handshake = {
      key: key === undefined ? "" : safeDecode(key),
      protocol: protocolOf(url),
      badPath: key === undefined,
    };
    if (server.upgrade(req, { data })) return undefined;
  }
  const wantsUpgrade = req.headers.get("upgrade")?.toLowerCase() === "websocket";
  if (!wantsUpgrade) {
    if (!pathname.startsWith("/app/") && pathname !== "/app") return false;
    return Response.json({ error: "WebSocket upgrade required: connect with a Pusher client to /app/{key}" }, { status: 426 });
  }
  return Response.json({ error: "WebSocket upgrade failed" }, { status: 400 });
}

/**
 * The key of `/app/{key}` (not yet decoded), or undefined for a path that is not a socket path. The
 * usual `/app/{key}` is sliced without the regular expression, whose match array and capture would be
 * garbage on every connect; a path with a prefix takes APP_PATH, which gives the same answer for both.
 */
export function appKeyOf(pathname: string): string | undefined {
  if (pathname.length > 5 && pathname.startsWith("/app/") && pathname.indexOf("/", 5) < 0) return pathname.slice(5);
  return APP_PATH.exec(pathname)?.[1];
}

/**
 * `?protocol=` without building a URLSearchParams per handshake. Queries with escapes, `+` or the
 * parameter more than once keep URLSearchParams' exact reading (first value, decoded).
 */
export function protocolOf(url: URL): string | null {
  const search = url.search;
  if (search === "") return null;
  const at = search.indexOf("protocol=");
  if (at < 0 || search.includes("%") || search.includes("+") || search.indexOf("protocol=", at + 1) >= 0) {
    return url.searchParams.get("protocol");
  }
  const before = search.charCodeAt(at - 1);
  if (before !== 63 /* ? */ && before !== 38 /* & */) return url.searchParams.get("protocol");
  const end = search.indexOf("&", at);
  return search.slice(at + 9, end < 0 ? search.length : end);
}

function safeDecode(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function websocketHandlers(engine: Engine): WebSocketHandler<SocketData> {
  return {
    // Our own activity check closes with 4201 (§1.4); Bun's idle timer must never fire first.
    idleTimeout: 0,
    sendPings: false,
    maxPayloadLength: 1024 * 1024,
    // A consumer that cannot keep up is closed instead of growing the server's memory without bound.
    backpressureLimit: 4 * 1024 * 1024,
    closeOnBackpressureLimit: true,
    perMessageDeflate: false,
    open(ws) {
      const handshake = ws.data as Handshake;
      // From here on the socket's data is its session: the handshake inputs are not kept per socket.
      if (handshake.badPath) {
        ws.data = undefined;
        ws.send(errorFrame(new PusherError(Code.PATH_NOT_FOUND, closeReason[Code.PATH_NOT_FOUND])));
        ws.close(Code.PATH_NOT_FOUND, "Path not found: connect to /app/{key}");
        return;
      }
      // The ServerWebSocket is the engine's Connection as it is (engine/ports.ts): no adapter per socket.
      ws.data = engine.open(ws, handshake.key, handshake.protocol);
    },
    message(ws, message) {
      const session = ws.data;
      if (!(session instanceof Session)) return;
      if (typeof message !== "string") {
        engine.activity(session);
        session.sendError(new PusherError(null, "Binary frames are not supported: send JSON text frames"));
        return;
      }
      engine.message(session, message);
    },
    pong(ws) {
      const session = ws.data;
      if (session instanceof Session) engine.activity(session);
    },
    ping(ws) {
      const session = ws.data;
      if (session instanceof Session) engine.activity(session);
    },
    close(ws, code) {
      const session = ws.data;
      if (session instanceof Session) engine.closed(session, code);
    },
  };
}
