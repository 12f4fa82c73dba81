/**
 * The WebSocket handshake (PUSHER-PROTOCOL.md §1.1, §1.3, §1.5): connection_established, the protocol
 * parameter, refusals after a completed upgrade (4001/4003/4004/4005/4007), the 426 answer to plain
 * HTTP, pusher:ping, and the 4200 close on SIGTERM.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { startServer, useServer } from "../support/server";
import { cleanup, client, connectedClient, raw, rawUrl, stateReached, waitFor } from "./ws-helpers";

const server = useServer({ cleanup });
let app: App;
beforeAll(async () => {
  app = server().createApp();
});

/** Connects to `path` (+ query) and expects: upgrade completes, pusher:error, then close with `code`. */
async function expectRefusal(path: string, code: number, message: string, reason = message) {
  const { socket, opened } = rawUrl(`${server().wsUrl}${path}`);
  expect(await opened).toBe(true);
  const first = await socket.next(() => true);
  expect(first).toEqual({ event: "pusher:error", data: { code, message } });
  expect(await socket.closed()).toEqual({ code, reason });
  expect(socket.frames).toEqual([]);
}

describe("connection_established", () => {
  test("is the first frame, with data as a string holding socket_id and activity_timeout 120", async () => {
    const { socket } = rawUrl(`${server().wsUrl}/app/${app.key}?protocol=7&client=js&version=8.6.0&flash=false`);
    const first = await socket.next(() => true);
    expect(first.event).toBe("pusher:connection_established");
    expect(typeof first.data).toBe("string");
    const data = JSON.parse(first.data);
    expect(Object.keys(data).sort()).toEqual(["activity_timeout", "socket_id"]);
    expect(data.socket_id).toMatch(/^\d+\.\d+$/);
    expect(data.activity_timeout).toBe(120);
  });

  test("socket ids are unique across 50 connections", async () => {
    const sockets = await Promise.all(Array.from({ length: 50 }, () => raw(server(), app.key)));
    const ids = sockets.map((s) => s.socketId);
    for (const id of ids) expect(id).toMatch(/^\d+\.\d+$/);
    expect(new Set(ids).size).toBe(50);
  });
});

describe("protocol parameter", () => {
  for (const query of ["", "?protocol=5", "?protocol=6", "?protocol=7"]) {
    test(`'${query || "(missing)"}' is accepted`, async () => {
      const socket = await raw(server(), app.key, query);
      expect(socket.established.event).toBe("pusher:connection_established");
      expect(socket.closeCode).toBeUndefined();
    });
  }

  for (const value of ["8", "abc"]) {
    test(`protocol=${value} → pusher:error 4007, then close 4007`, async () => {
      const message = `Unsupported protocol version: ${value}`;
      await expectRefusal(`/app/${app.key}?protocol=${value}`, 4007, message);
    });
  }
});

describe("refusals after a completed upgrade", () => {
  test("unknown key → 4001", async () => {
    await expectRefusal("/app/no-such-key?protocol=7", 4001, "App key not found");
  });

  test("unknown key: pusher-js gets error 4001 and stays disconnected (no reconnect)", async () => {
    const c = client(server(), { ...app, key: "no-such-key" });
    // pusher-js enters "connecting" inside its constructor; record what happens afterwards.
    const states: string[] = [];
    c.connection.bind("state_change", (s: { current: string }) => states.push(s.current));
    const error = await waitFor<any>((cb) => c.connection.bind("error", cb), 5000, "error");
    expect(error.type).toBe("WebSocketError");
    expect(error.error).toEqual({ type: "PusherError", data: { code: 4001, message: "App key not found" } });
    await stateReached(c, "disconnected");
    // A fixed wait on purpose: what is checked is that nothing happens (no reconnect), and pusher-js
    // would retry within 1 s if it meant to. Not vacuous: `states` records every change since the
    // constructor, so a retry inside the window shows up as "connecting".
    await Bun.sleep(1200);
    expect(["disconnected", "failed"]).toContain(c.connection.state);
    expect(states).toEqual(["disconnected"]);
  });

  test("disabled app → 4003", async () => {
    const disabled = server().createApp(["--disabled"]);
    await expectRefusal(`/app/${disabled.key}?protocol=7`, 4003, "App is disabled");
  });

  test("over the app's connection quota → 4004 for the third connection", async () => {
    const limited = server().createApp(["--max-connections", "2"]);
    const first = await raw(server(), limited.key);
    const second = await raw(server(), limited.key);
    expect(first.established.event).toBe("pusher:connection_established");
    expect(second.established.event).toBe("pusher:connection_established");
    await expectRefusal(`/app/${limited.key}?protocol=7`, 4004, "Over connection quota: the app allows 2 connections");
    // A freed slot can be used again.
    first.close();
    await first.closed();
    const again = await raw(server(), limited.key);
    expect(again.established.event).toBe("pusher:connection_established");
  });

  for (const path of [`/app/KEY/extra`, "/app/", "/socket", "/apps/KEY"]) {
    test(`bad path ${path} → 4005`, async () => {
      await expectRefusal(path.replace("KEY", app.key), 4005, "Path not found", "Path not found: connect to /app/{key}");
    });
  }
});

test("a path prefix before /app/{key} (pusher-js wsPath, or a proxy mount) is accepted", async () => {
  const { socket } = rawUrl(`${server().wsUrl}/ws/app/${app.key}?protocol=7`);
  const first = await socket.next((f) => f.event === "pusher:connection_established" || f.event === "pusher:error");
  expect(first.event).toBe("pusher:connection_established");
});

test("plain HTTP GET /app/KEY without upgrade → 426 with a JSON body", async () => {
  const res = await fetch(`${server().url}/app/${app.key}?protocol=7`);
  expect(res.status).toBe(426);
  expect(res.headers.get("content-type")).toContain("application/json");
  expect(await res.json()).toEqual({ error: "WebSocket upgrade required: connect with a Pusher client to /app/{key}" });
});

test("a broken handshake (Upgrade: websocket without a key) → 400 with a JSON body; a plain GET elsewhere is not ours", async () => {
  for (const method of ["GET", "POST"]) {
    const res = await fetch(`${server().url}/app/${app.key}?protocol=7`, { method, headers: { connection: "Upgrade", upgrade: "websocket" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "WebSocket upgrade failed" });
  }
  const health = await fetch(`${server().url}/health`);
  expect(health.status).toBe(200);
});

test("pusher:ping is answered with pusher:pong", async () => {
  const socket = await raw(server(), app.key);
  socket.send({ event: "pusher:ping", data: {} });
  expect(await socket.next((f) => f.event === "pusher:pong")).toEqual({ event: "pusher:pong", data: "{}" });
});

test("SIGTERM closes every client with 4200 and the process exits 0", async () => {
  const own = await startServer();
  let stopped: Promise<number> | undefined;
  try {
    const ownApp = own.createApp();
    const sockets = await Promise.all([raw(own, ownApp.key), raw(own, ownApp.key)]);
    const c = await connectedClient(own, ownApp);
    const reconnecting = waitFor((cb) => c.connection.bind("state_change", (s: any) => s.current === "connecting" && cb(s)));
    stopped = own.stop();
    for (const socket of sockets) expect(await socket.closed()).toEqual({ code: 4200, reason: "Server is restarting, reconnect" });
    expect(await reconnecting).toEqual({ previous: "connected", current: "connecting" });
  } finally {
    expect(await (stopped ?? own.stop())).toBe(0);
  }
});
