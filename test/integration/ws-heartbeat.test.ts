/**
 * The server's activity check (PUSHER-PROTOCOL.md §1.4) with short timeouts: after 1 s of client
 * silence the server sends pusher:ping; a client that then stays silent for 1 s more is closed with
 * 4201; clients that answer stay connected.
 *
 * WebSocket implementations (Bun's, browsers') answer protocol pings on their own, and the server
 * counts those pongs as activity, so the dead client is played by BareSocket, a TCP client that
 * answers nothing.
 */
import { beforeAll, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { useServer } from "../support/server";
import { until } from "../support/wait";
import { BareSocket, cleanup, connectedClient, raw } from "./ws-helpers";

const PING = { event: "pusher:ping", data: "{}" };

const server = useServer({ args: ["--activity-timeout", "1", "--pong-timeout", "1"], cleanup });
let app: App;
beforeAll(async () => {
  app = server().createApp();
});

test("connection_established advertises the configured activity_timeout", async () => {
  const socket = await raw(server(), app.key);
  expect(JSON.parse(socket.established.data).activity_timeout).toBe(1);
});

test("a silent socket gets pusher:ping after ~1 s and is closed with 4201 ~1 s later", async () => {
  const socket = BareSocket.open(server(), app.key);
  await socket.next((f) => f.event === "pusher:connection_established");
  const start = Date.now();
  expect(await socket.next((f) => f.event === "pusher:ping", 3000)).toEqual(PING);
  const pingedAfter = Date.now() - start;
  expect(pingedAfter).toBeGreaterThanOrEqual(900);
  expect(pingedAfter).toBeLessThan(1800);
  expect(await socket.closed(3000)).toBe(4201);
  expect(socket.closeReason).toBe("Pong reply not received");
  const closedAfter = Date.now() - start - pingedAfter;
  expect(closedAfter).toBeGreaterThanOrEqual(800);
  expect(closedAfter).toBeLessThan(1800);
  expect(socket.frames).toEqual([]);
});

test("a socket that answers pusher:ping with pusher:pong stays open past 3 s", async () => {
  // BareSocket ignores protocol pings, so only its pusher:pong answers keep it alive.
  const socket = BareSocket.open(server(), app.key);
  await socket.next((f) => f.event === "pusher:connection_established");
  const start = Date.now();
  let pings = 0;
  while (Date.now() - start < 3000) {
    await socket.next((f) => f.event === "pusher:ping", 3000);
    pings++;
    socket.sendText(JSON.stringify({ event: "pusher:pong", data: {} }));
  }
  expect(pings).toBeGreaterThanOrEqual(3); // one per second of silence
  expect(socket.closeCode).toBeUndefined();
  socket.sendText(JSON.stringify({ event: "pusher:ping", data: {} }));
  expect(await socket.next((f) => f.event === "pusher:pong")).toEqual({ event: "pusher:pong", data: "{}" });
});

test("a pusher-js client stays connected through four activity checks (it answers pings)", async () => {
  const c = await connectedClient(server(), app);
  const socketId = c.connection.socket_id;
  const changes: unknown[] = [];
  c.connection.bind("state_change", (s: unknown) => changes.push(s));
  // An activity check follows each second of silence: a pusher:ping from the server (pusher-js
  // answers) or from pusher-js (the server answers with pusher:pong). Either is one frame here, and
  // four of them outlast the 1 s the server gives an unanswered ping.
  let checks = 0;
  c.connection.bind("message", (m: { event?: string }) => {
    if (m.event === "pusher:ping" || m.event === "pusher:pong") checks++;
  });
  await until(() => checks >= 4 || changes.length > 0, "four activity checks", 10_000);
  expect(changes).toEqual([]);
  expect(c.connection.state).toBe("connected");
  expect(c.connection.socket_id).toBe(socketId);
});
