/**
 * The engine driven directly through fakes (no sockets, no timers, no SQLite): handshake refusals
 * (§1.1, §1.5), the activity check with a fake clock (§1.4), reload on app changes and shutdown.
 */
import { describe, expect, test } from "bun:test";
import { Harness, makeApp } from "./fakes";

const KEY = "278d425bdf160c739803";

describe("handshake (§1.1, §1.3)", () => {
  test("the first frame is connection_established with a socket id and activity_timeout", () => {
    const h = new Harness();
    const { conn, session } = h.connect();
    expect(session).toBeDefined();
    expect(conn.sent).toHaveLength(1);
    const frame = conn.frames()[0];
    expect(frame.event).toBe("pusher:connection_established");
    expect(typeof frame.data).toBe("string");
    const data = JSON.parse(frame.data);
    expect(data).toEqual({ socket_id: session!.socketId, activity_timeout: 120 });
    expect(data.socket_id).toMatch(/^\d+\.\d+$/);
    expect(conn.closes).toEqual([]);
  });

  test("activity_timeout comes from the engine config", () => {
    const h = new Harness([makeApp()], { activityTimeout: 30 });
    expect(JSON.parse(h.connect().conn.frames()[0].data).activity_timeout).toBe(30);
  });

  test("socket ids are unique per connection", () => {
    const h = new Harness();
    const ids = new Set(Array.from({ length: 50 }, () => h.open().session.socketId));
    expect(ids.size).toBe(50);
  });

  test("unknown key: pusher:error 4001, then close 4001", () => {
    const h = new Harness();
    const { conn, session } = h.connect("no-such-key");
    expect(session).toBeUndefined();
    expect(conn.sent).toEqual([`{"event":"pusher:error","data":{"code":4001,"message":"App key not found"}}`]);
    expect(conn.closes).toEqual([{ code: 4001, reason: "App key not found" }]);
  });

  test("disabled app: 4003", () => {
    const h = new Harness([makeApp({ enabled: false })]);
    const { conn, session } = h.connect();
    expect(session).toBeUndefined();
    expect(conn.sent).toEqual([`{"event":"pusher:error","data":{"code":4003,"message":"App is disabled"}}`]);
    expect(conn.closes).toEqual([{ code: 4003, reason: "App is disabled" }]);
  });

  test.each(["1", "2", "3", "4", "8", "abc", ""])("protocol %p: 4007", (protocol) => {
    const h = new Harness();
    const { conn, session } = h.connect(KEY, protocol);
    expect(session).toBeUndefined();
    const message = `Unsupported protocol version: ${protocol}`;
    expect(conn.frames()).toEqual([{ event: "pusher:error", data: { code: 4007, message } }]);
    expect(conn.closes).toEqual([{ code: 4007, reason: message }]);
  });

  test.each(["5", "6", "7", null])("protocol %p is accepted (missing = 7)", (protocol) => {
    const h = new Harness();
    const { conn, session } = h.connect(KEY, protocol);
    expect(session).toBeDefined();
    expect(conn.frames()[0].event).toBe("pusher:connection_established");
  });

  test("over the connection quota: 4004, and a freed slot is usable again", () => {
    const h = new Harness([makeApp({ limits: { maxConnections: 2 } })]);
    const first = h.open();
    h.open();
    const { conn, session } = h.connect();
    expect(session).toBeUndefined();
    const message = "Over connection quota: the app allows 2 connections";
    expect(conn.frames()).toEqual([{ event: "pusher:error", data: { code: 4004, message } }]);
    expect(conn.closes).toEqual([{ code: 4004, reason: message }]);
    first.conn.close(1000, "bye");
    expect(h.connect().session).toBeDefined();
  });

  test("maxConnections 0 means unlimited", () => {
    const h = new Harness([makeApp({ limits: { maxConnections: 0 } })]);
    for (let i = 0; i < 20; i++) h.open();
    expect(h.engine.live.connections("3")).toBe(20);
  });
});

describe("inbound frames", () => {
  test("pusher:ping is answered with pusher:pong", () => {
    const h = new Harness();
    const { conn, session } = h.open();
    h.send(session, { event: "pusher:ping", data: {} });
    expect(conn.sent).toEqual([`{"event":"pusher:pong","data":"{}"}`]);
  });

  test("malformed frames get pusher:error code null and the socket stays open", () => {
    const h = new Harness();
    const { conn, session } = h.open();
    h.send(session, "not json");
    h.send(session, { event: "pusher:nope" });
    h.send(session, { event: "hello", channel: "c" });
    expect(conn.frames()).toEqual([
      { event: "pusher:error", data: { code: null, message: "Invalid message: not valid JSON" } },
      { event: "pusher:error", data: { code: null, message: "Unsupported event 'pusher:nope'" } },
      {
        event: "pusher:error",
        channel: "c",
        data: { code: null, message: "Unsupported event 'hello': clients may send pusher: commands and client- events only" },
      },
    ]);
    expect(conn.closes).toEqual([]);
  });

  test("an oversized frame is refused without being parsed", () => {
    const h = new Harness();
    const { conn, session } = h.open();
    h.send(session, "x".repeat(10240 * 2 + 4096 + 1));
    expect(conn.frames()).toEqual([
      { event: "pusher:error", data: { code: null, message: "Message too large: 24577 characters, the limit is 24576" } },
    ]);
  });
});

describe("activity check (§1.4) with a fake clock", () => {
  const PING = `{"event":"pusher:ping","data":"{}"}`;
  const setup = () => {
    const h = new Harness([makeApp()], { activityTimeout: 120, pongTimeout: 30 });
    return { h, ...h.open() };
  };

  test("no ping before activity_timeout; ping (frame and protocol ping) at activity_timeout", () => {
    const { h, conn } = setup();
    h.clock.advance(119_999);
    h.engine.sweep();
    expect(conn.sent).toEqual([]);
    h.clock.advance(1);
    h.engine.sweep();
    expect(conn.sent).toEqual([PING]);
    expect(conn.pings).toBe(1);
    h.engine.sweep();
    expect(conn.sent).toEqual([PING]); // one ping per silence, not one per sweep
    expect(conn.pings).toBe(1);
  });

  test("no answer within pongTimeout: close 4201 and the session is gone", () => {
    const { h, conn, session } = setup();
    h.clock.advance(120_000);
    h.engine.sweep();
    h.clock.advance(29_999);
    h.engine.sweep();
    expect(conn.closes).toEqual([]);
    h.clock.advance(1);
    h.engine.sweep();
    expect(conn.closes).toEqual([{ code: 4201, reason: "Pong reply not received" }]);
    expect(h.engine.connection("3:", session.socketId)).toBeUndefined();
    expect(h.engine.live.connections("3")).toBe(0);
  });

  test("a pusher:pong after the ping resets the check", () => {
    const { h, conn, session } = setup();
    h.clock.advance(120_000);
    h.engine.sweep();
    h.clock.advance(10_000);
    h.send(session, { event: "pusher:pong", data: {} });
    h.clock.advance(30_000);
    h.engine.sweep();
    expect(conn.closes).toEqual([]);
    h.clock.advance(90_000); // 120 s since the pong
    h.engine.sweep();
    expect(conn.sent).toEqual([PING, PING]);
  });

  test("a protocol-level pong (engine.activity) also counts", () => {
    const { h, conn, session } = setup();
    h.clock.advance(120_000);
    h.engine.sweep();
    h.engine.activity(session);
    h.clock.advance(30_000);
    h.engine.sweep();
    expect(conn.closes).toEqual([]);
  });

  test("any frame before the timeout postpones the ping", () => {
    const { h, conn, session } = setup();
    h.clock.advance(100_000);
    h.send(session, { event: "pusher:subscribe", data: { channel: "my-channel" } });
    conn.take();
    h.clock.advance(100_000);
    h.engine.sweep();
    expect(conn.sent).toEqual([]);
    h.clock.advance(20_000);
    h.engine.sweep();
    expect(conn.sent).toEqual([PING]);
  });
});

describe("reload (app changed elsewhere) and shutdown", () => {
  test("disabling the app closes its sockets with 4003; other apps are untouched", () => {
    const other = makeApp({ id: "4", key: "other-key" });
    const h = new Harness([makeApp(), other]);
    const a = h.open();
    const b = h.open("other-key");
    h.directory.put(makeApp({ enabled: false }));
    h.engine.reload("3");
    expect(a.conn.closes).toEqual([{ code: 4003, reason: "App is disabled" }]);
    expect(b.conn.closes).toEqual([]);
    expect(h.connect().conn.closes).toEqual([{ code: 4003, reason: "App is disabled" }]);
  });

  test("deleting the app closes with 4001", () => {
    const h = new Harness();
    const { conn } = h.open();
    h.directory.remove("3");
    h.engine.reload("3");
    expect(conn.closes).toEqual([{ code: 4001, reason: "App key not found" }]);
  });

  test("changing the key closes sockets that used the old one with 4009", () => {
    const h = new Harness();
    const { conn } = h.open();
    h.directory.put(makeApp({ key: "new-key" }));
    h.engine.reload("3");
    expect(conn.closes).toEqual([{ code: 4009, reason: "App key revoked" }]);
    expect(h.connect("new-key").session).toBeDefined();
  });

  test("other changes apply to live sessions without closing them", () => {
    const h = new Harness();
    const { conn, session } = h.open();
    h.directory.put(makeApp({ clientEvents: true, name: "renamed" }));
    h.engine.reload("3");
    expect(conn.closes).toEqual([]);
    expect(session.app.app.clientEvents).toBe(true);
  });

  test("reload of an app without live state does nothing", () => {
    const h = new Harness();
    expect(() => h.engine.reload("3")).not.toThrow();
    expect(h.engine.liveAppIds()).toEqual([]);
  });

  test("shutdown closes every socket of every app with 4200", () => {
    const h = new Harness([makeApp(), makeApp({ id: "4", key: "other-key" })]);
    const conns = [h.open().conn, h.open().conn, h.open("other-key").conn];
    h.engine.shutdown();
    for (const conn of conns) expect(conn.closes).toEqual([{ code: 4200, reason: "Server is restarting, reconnect" }]);
    expect(h.engine.live.connections("3")).toBe(0);
  });
});
