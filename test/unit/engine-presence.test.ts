/**
 * Presence channels in the engine (§2.4, §2.5, §3.2): the snapshot includes the subscriber, member
 * events go to the others only, and only on a user's first and last socket.
 */
import { describe, expect, test } from "bun:test";
import type { Session } from "../../src/engine/session";
import { signChannel } from "../../src/protocol/signatures";
import { Harness, makeApp, type FakeConnection } from "./fakes";

const KEY = "278d425bdf160c739803";
const SECRET = "7ad3773142a6692b25b8";
const ROOM = "presence-room";

function join(h: Harness, session: Session, userId: unknown, userInfo?: unknown, channel = ROOM) {
  const channelData = JSON.stringify(userInfo === undefined ? { user_id: userId } : { user_id: userId, user_info: userInfo });
  const auth = signChannel(KEY, SECRET, session.socketId, channel, channelData);
  h.send(session, { event: "pusher:subscribe", data: { auth, channel_data: channelData, channel } });
}

const decoded = (conn: FakeConnection) => conn.frames().map((f) => ({ ...f, data: f.data === undefined ? undefined : JSON.parse(f.data) }));

describe("presence membership", () => {
  test("the first member gets a snapshot containing itself and no member_added", () => {
    const h = new Harness();
    const a = h.open();
    join(h, a.session, "u1", { name: "A" });
    expect(decoded(a.conn)).toEqual([
      {
        event: "pusher_internal:subscription_succeeded",
        channel: ROOM,
        data: { presence: { ids: ["u1"], hash: { u1: { name: "A" } }, count: 1 } },
      },
    ]);
  });

  test("a second user: the others get member_added, the joiner the full snapshot", () => {
    const h = new Harness();
    const a = h.open();
    const b = h.open();
    join(h, a.session, "u1", { name: "A" });
    a.conn.take();
    join(h, b.session, "u2", { name: "B" });
    expect(decoded(a.conn)).toEqual([
      { event: "pusher_internal:member_added", channel: ROOM, data: { user_id: "u2", user_info: { name: "B" } } },
    ]);
    expect(decoded(b.conn)).toEqual([
      {
        event: "pusher_internal:subscription_succeeded",
        channel: ROOM,
        data: { presence: { ids: ["u1", "u2"], hash: { u1: { name: "A" }, u2: { name: "B" } }, count: 2 } },
      },
    ]);
  });

  test("the same user on a second socket: no member_added, count unchanged, first user_info kept", () => {
    const h = new Harness();
    const a = h.open();
    const a2 = h.open();
    const b = h.open();
    join(h, a.session, "u1", { name: "A" });
    join(h, b.session, "u2", { name: "B" });
    a.conn.take();
    b.conn.take();
    join(h, a2.session, "u1", { name: "A again" });
    expect(a.conn.sent).toEqual([]);
    expect(b.conn.sent).toEqual([]);
    expect(decoded(a2.conn)[0].data).toEqual({
      presence: { ids: ["u1", "u2"], hash: { u1: { name: "A" }, u2: { name: "B" } }, count: 2 },
    });
    expect(h.engine.live.members("3", ROOM)).toHaveLength(2);
    expect(h.engine.live.subscriptionCount("3", ROOM)).toBe(3);
  });

  test("member_removed only when the user's last socket leaves (unsubscribe, then disconnect)", () => {
    const h = new Harness();
    const a = h.open();
    const a2 = h.open();
    const b = h.open();
    join(h, a.session, "u1");
    join(h, a2.session, "u1");
    join(h, b.session, "u2");
    for (const c of [a, a2, b]) c.conn.take();

    h.send(a.session, { event: "pusher:unsubscribe", data: { channel: ROOM } });
    expect(b.conn.sent).toEqual([]);
    expect(a.conn.sent).toEqual([]); // no ack for unsubscribe (§2.3)

    a2.conn.close(1000, "bye");
    expect(decoded(b.conn)).toEqual([{ event: "pusher_internal:member_removed", channel: ROOM, data: { user_id: "u1" } }]);
    expect(h.engine.live.members("3", ROOM)).toHaveLength(1);
  });

  test("the leaving socket does not get its own member_removed", () => {
    const h = new Harness();
    const a = h.open();
    const b = h.open();
    join(h, a.session, "u1");
    join(h, b.session, "u2");
    a.conn.take();
    b.conn.take();
    h.send(b.session, { event: "pusher:unsubscribe", data: { channel: ROOM } });
    expect(b.conn.sent).toEqual([]);
    expect(decoded(a.conn)).toEqual([{ event: "pusher_internal:member_removed", channel: ROOM, data: { user_id: "u2" } }]);
  });

  test("the channel is vacated when the last member leaves, and a rejoin starts fresh", () => {
    const h = new Harness();
    const vacated: string[] = [];
    h.engine.bus.on("vacated", (e) => vacated.push(e.channel));
    const a = h.open();
    join(h, a.session, "u1");
    a.conn.close(1000, "bye");
    expect(vacated).toEqual([ROOM]);
    expect(h.engine.live.channels("3")).toEqual([]);
    const b = h.open();
    join(h, b.session, "u2");
    expect(decoded(b.conn)[0].data.presence).toEqual({ ids: ["u2"], hash: { u2: null }, count: 1 });
  });

  test("lifecycle bus: member_added / member_removed once per user", () => {
    const h = new Harness();
    const events: string[] = [];
    h.engine.bus.on("member_added", (e) => events.push(`+${e.userId}`));
    h.engine.bus.on("member_removed", (e) => events.push(`-${e.userId}`));
    const a = h.open();
    const a2 = h.open();
    join(h, a.session, "u1");
    join(h, a2.session, "u1");
    a.conn.close(1000, "");
    a2.conn.close(1000, "");
    expect(events).toEqual(["+u1", "-u1"]);
  });
});

describe("presence identity (§3.2)", () => {
  test("a numeric user_id is emitted as a string (§2.5)", () => {
    const h = new Harness();
    const a = h.open();
    const b = h.open();
    join(h, a.session, "u1");
    a.conn.take();
    join(h, b.session, 1265);
    expect(decoded(a.conn)[0].data).toEqual({ user_id: "1265", user_info: null });
    expect(decoded(b.conn)[0].data.presence).toEqual({ ids: ["u1", "1265"], hash: { u1: null, "1265": null }, count: 2 });
  });

  test("missing user_info: the id is still a key of hash, with null (§2.4)", () => {
    const h = new Harness();
    const a = h.open();
    join(h, a.session, "u1");
    expect(a.conn.frames()[0].data).toBe(`{"presence":{"ids":["u1"],"hash":{"u1":null},"count":1}}`);
  });

  test("no channel_data and not signed in: refused, socket stays open", () => {
    const h = new Harness();
    const { conn, session } = h.open();
    const auth = signChannel(KEY, SECRET, session.socketId, ROOM);
    h.send(session, { event: "pusher:subscribe", data: { auth, channel: ROOM } });
    const message = `Presence subscription to ${ROOM} needs channel_data or a signed-in user (pusher:signin)`;
    expect(conn.frames()).toEqual([
      { event: "pusher:error", data: { code: null, message } },
      {
        event: "pusher:subscription_error",
        channel: ROOM,
        data: JSON.stringify({ type: "BadRequest", error: message, status: 400 }),
      },
    ]);
    expect(conn.closes).toEqual([]);
  });

  test("a full channel refuses a new user but not another socket of a present user", () => {
    const h = new Harness([makeApp({ limits: { maxPresenceMembers: 1 } })]);
    const a = h.open();
    const a2 = h.open();
    const b = h.open();
    join(h, a.session, "u1");
    join(h, a2.session, "u1");
    expect(a2.conn.events("pusher_internal:subscription_succeeded")).toHaveLength(1);
    join(h, b.session, "u2");
    const message = `Presence channel ${ROOM} is full: it has reached the limit of 1 members`;
    expect(b.conn.frames()).toEqual([
      { event: "pusher:error", data: { code: 4100, message } },
      { event: "pusher:subscription_error", channel: ROOM, data: JSON.stringify({ type: "LimitReached", error: message, status: 4100 }) },
    ]);
  });
});

test("a user id such as __proto__ is a key of hash like any other (§2.4: members.me needs it)", () => {
  const h = new Harness();
  const a = h.open();
  const b = h.open();
  join(h, a.session, "d");
  join(h, b.session, "__proto__");
  const raw = b.conn.sent.at(-1)!;
  const data = JSON.parse(JSON.parse(raw).data);
  expect(data.presence.ids).toEqual(["d", "__proto__"]);
  expect(Object.keys(data.presence.hash)).toEqual(["d", "__proto__"]);
  expect(Object.hasOwn(data.presence.hash, "__proto__")).toBe(true);
});

test("a user id or user_info with a lone UTF-16 surrogate is refused: it cannot be stored as UTF-8", () => {
  const h = new Harness();
  for (const [userId, info, what] of [
    ["u\ud800", undefined, "user_id"],
    ["u1", { name: "\udfff" }, "user_info"],
  ] as const) {
    const { conn, session } = h.open();
    join(h, session, userId, info);
    const message = `Invalid channel_data for ${ROOM}: ${what} is not valid Unicode text`;
    expect(conn.frames()).toEqual([
      { event: "pusher:error", data: { code: null, message } },
      { event: "pusher:subscription_error", channel: ROOM, data: JSON.stringify({ type: "BadRequest", error: message, status: 400 }) },
    ]);
  }
  // A surrogate pair (an emoji) is ordinary text.
  const ok = h.open();
  join(h, ok.session, "u😀", { name: "😀" });
  expect(ok.conn.events("pusher_internal:subscription_succeeded")).toHaveLength(1);
});
