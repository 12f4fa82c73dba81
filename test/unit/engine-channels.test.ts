/**
 * Subscriptions, the publish path and client events in the engine (§2.3, §2.6, §2.8, §4), with fakes.
 */
import { describe, expect, test } from "bun:test";
import { signChannel } from "../../src/protocol/signatures";
import { Harness, makeApp } from "./fakes";

const KEY = "278d425bdf160c739803";
const SECRET = "7ad3773142a6692b25b8";
const subscribe = (channel: string, auth = "") => ({ event: "pusher:subscribe", data: { auth, channel } });

describe("subscribe / unsubscribe", () => {
  test("public: subscription_succeeded with data \"{}\" and the socket joins the channel topic", () => {
    const h = new Harness();
    const { conn, session } = h.open();
    h.send(session, subscribe("my-channel"));
    expect(conn.sent).toEqual([`{"event":"pusher_internal:subscription_succeeded","channel":"my-channel","data":"{}"}`]);
    expect([...conn.topics]).toEqual(["3:my-channel"]);
  });

  test("double subscribe is acknowledged again but counted once (§2.3)", () => {
    const h = new Harness();
    const { conn, session } = h.open();
    h.send(session, subscribe("my-channel"));
    h.send(session, subscribe("my-channel"));
    expect(conn.events("pusher_internal:subscription_succeeded")).toHaveLength(2);
    expect(h.engine.live.subscriptionCount("3", "my-channel")).toBe(1);
  });

  test("private with a valid signature succeeds", () => {
    const h = new Harness();
    const { conn, session } = h.open();
    h.send(session, subscribe("private-x", signChannel(KEY, SECRET, session.socketId, "private-x")));
    expect(conn.frames()).toEqual([{ event: "pusher_internal:subscription_succeeded", channel: "private-x", data: "{}" }]);
  });

  test("private with a bad signature: pusher:error (code null) and subscription_error; socket stays open (§2.6)", () => {
    const h = new Harness();
    const { conn, session } = h.open();
    h.send(session, subscribe("private-x", `${KEY}:bad`));
    const message = `Invalid signature: Expected HMAC SHA256 hex digest of ${session.socketId}:private-x, but got bad`;
    expect(conn.frames()).toEqual([
      { event: "pusher:error", data: { code: null, message } },
      { event: "pusher:subscription_error", channel: "private-x", data: JSON.stringify({ type: "AuthError", error: message, status: 401 }) },
    ]);
    expect(conn.closes).toEqual([]);
    expect(conn.topics.size).toBe(0);
  });

  test("an invalid channel name is refused with 400 BadRequest", () => {
    const h = new Harness();
    const { conn, session } = h.open();
    h.send(session, subscribe("#other"));
    const message = "Invalid channel name '#other': use only the characters A-Z a-z 0-9 _ - = @ , . ;";
    expect(conn.frames()).toEqual([
      { event: "pusher:error", data: { code: null, message } },
      { event: "pusher:subscription_error", channel: "#other", data: JSON.stringify({ type: "BadRequest", error: message, status: 400 }) },
    ]);
  });

  test("unsubscribe stops delivery and is not acknowledged; unknown channel is ignored", () => {
    const h = new Harness();
    const app = makeApp();
    const { conn, session } = h.open();
    h.send(session, subscribe("my-channel"));
    conn.take();
    h.send(session, { event: "pusher:unsubscribe", data: { channel: "my-channel" } });
    h.send(session, { event: "pusher:unsubscribe", data: { channel: "never-joined" } });
    h.engine.publish(app, { channels: ["my-channel"], event: "e", data: "d" });
    expect(conn.sent).toEqual([]);
  });
});

describe("publish (§5.3 fan-out)", () => {
  test("reaches every subscriber of each channel byte-for-byte, except the excluded socket", () => {
    const h = new Harness();
    const app = makeApp();
    const a = h.open();
    const b = h.open();
    for (const s of [a, b]) {
      h.send(s.session, subscribe("one"));
      s.conn.take();
    }
    const data = `{"b":1,"a":"x"}`;
    expect(h.engine.publish(app, { channels: ["one", "two"], event: "ev", data })).toBe(2);
    expect(a.conn.sent).toEqual([`{"event":"ev","channel":"one","data":${JSON.stringify(data)}}`]);
    h.engine.publish(app, { channels: ["one"], event: "ev2", data: "x", excludeSocketId: a.session.socketId });
    expect(a.conn.sent).toHaveLength(1);
    expect(b.conn.frames().map((f) => f.event)).toEqual(["ev", "ev2"]);
  });

  test("cache channels: miss on an empty cache, the last event after a publish, expiry by TTL (§2.8)", () => {
    const h = new Harness([makeApp()], { cacheTtlMs: 60_000 });
    const app = makeApp();
    const a = h.open();
    h.send(a.session, subscribe("cache-x"));
    expect(a.conn.frames()[1]).toEqual({ event: "pusher:cache_miss", channel: "cache-x" });
    h.engine.publish(app, { channels: ["cache-x"], event: "first", data: "1" });
    h.engine.publish(app, { channels: ["cache-x"], event: "last", data: "2" });
    const b = h.open();
    h.send(b.session, subscribe("cache-x"));
    expect(b.conn.frames()).toEqual([
      { event: "pusher_internal:subscription_succeeded", channel: "cache-x", data: "{}" },
      { event: "last", channel: "cache-x", data: "2" },
    ]);
    h.clock.advance(60_000);
    const c = h.open();
    h.send(c.session, subscribe("cache-x"));
    expect(c.conn.frames()[1]).toEqual({ event: "pusher:cache_miss", channel: "cache-x" });
  });

  test("the cache_miss report is de-duplicated per channel until the TTL passes or an event fills it (§2.8)", () => {
    const h = new Harness([makeApp()], { cacheTtlMs: 60_000 });
    const misses: string[] = [];
    h.engine.bus.on("cache_miss", (e) => misses.push(e.channel));
    const subscribeFresh = (channel: string) => {
      const s = h.open();
      h.send(s.session, subscribe(channel));
      // Every subscriber still gets its own pusher:cache_miss frame.
      expect(s.conn.frames()[1]).toEqual({ event: "pusher:cache_miss", channel });
    };
    subscribeFresh("cache-a");
    subscribeFresh("cache-a");
    subscribeFresh("cache-b");
    expect(misses).toEqual(["cache-a", "cache-b"]);
    h.clock.advance(60_000);
    subscribeFresh("cache-a");
    expect(misses).toEqual(["cache-a", "cache-b", "cache-a"]);
    // An event fills the cache; once it has expired, the next miss is reported again.
    h.engine.publish(makeApp(), { channels: ["cache-b"], event: "e", data: "1" });
    h.clock.advance(60_000);
    subscribeFresh("cache-b");
    expect(misses).toEqual(["cache-a", "cache-b", "cache-a", "cache-b"]);
  });

  test("expired cache entries are dropped by the periodic sweep, not only when read", () => {
    const h = new Harness([makeApp()], { cacheTtlMs: 1_000 });
    const app = makeApp();
    h.open();
    for (let i = 0; i < 50; i++) h.engine.publish(app, { channels: [`cache-${i}`], event: "e", data: "x" });
    expect(h.cache.size(app.id)).toBe(50);
    h.clock.advance(61_000);
    h.engine.sweep();
    expect(h.cache.size(app.id)).toBe(0);
  });
});

describe("client events (§4)", () => {
  const setup = (clientEvents = true) => {
    const h = new Harness([makeApp({ clientEvents })]);
    const a = h.open();
    const b = h.open();
    for (const s of [a, b]) {
      h.send(s.session, subscribe("private-x", signChannel(KEY, SECRET, s.session.socketId, "private-x")));
      s.conn.take();
    }
    return { h, a, b };
  };
  const typing = { event: "client-typing", channel: "private-x", data: { x: 1 } };

  test("delivered to the others with data as a string, never echoed", () => {
    const { h, a, b } = setup();
    h.send(a.session, typing);
    expect(a.conn.sent).toEqual([]);
    expect(b.conn.sent).toEqual([`{"event":"client-typing","channel":"private-x","data":"{\\"x\\":1}"}`]);
  });

  test("disabled for the app: pusher:error 4301 with the channel", () => {
    const { h, a, b } = setup(false);
    h.send(a.session, typing);
    expect(a.conn.frames()).toEqual([
      {
        event: "pusher:error",
        channel: "private-x",
        data: { code: 4301, message: "Client event client-typing rejected: client events are not enabled for this app" },
      },
    ]);
    expect(b.conn.sent).toEqual([]);
  });

  test("on a public channel or one the socket has not joined: 4301", () => {
    const { h, a } = setup();
    h.send(a.session, subscribe("public-1"));
    a.conn.take();
    h.send(a.session, { ...typing, channel: "public-1" });
    h.send(a.session, { ...typing, channel: "private-other" });
    expect(a.conn.frames().map((f) => f.data)).toEqual([
      { code: 4301, message: "Client event client-typing rejected: client events are only allowed on private and presence channels" },
      { code: 4301, message: "Client event client-typing rejected: not subscribed to channel private-other" },
    ]);
    expect(a.conn.closes).toEqual([]);
  });

  test("rate limit: 10 per second per connection, the 11th is refused; the next second is fine", () => {
    const { h, a, b } = setup();
    for (let i = 0; i < 11; i++) h.send(a.session, typing);
    expect(b.conn.sent).toHaveLength(10);
    expect(a.conn.frames()).toEqual([
      {
        event: "pusher:error",
        channel: "private-x",
        data: { code: 4301, message: "Client event rejected due to rate limit: at most 10 per second" },
      },
    ]);
    h.clock.advance(1000);
    h.send(a.session, typing);
    expect(b.conn.sent).toHaveLength(11);
    expect(a.conn.closes).toEqual([]);
  });
});
