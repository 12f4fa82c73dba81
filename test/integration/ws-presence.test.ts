/**
 * Presence channels (PUSHER-PROTOCOL.md §2.4, §2.5, §3.2, §5.7): the members snapshot, member_added
 * and member_removed per user (not per connection), pusher-js members, numeric user ids, limits, and
 * the users endpoint.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { useServer } from "../support/server";
import {
  apiGet,
  channelAuth,
  cleanup,
  connectedClient,
  decode,
  expectNoFrame,
  expectSubscriptionRefused,
  raw,
  subscribed,
  subscribeRaw,
  waitFor,
  type Socket,
} from "./ws-helpers";

const server = useServer({ cleanup });
let app: App;
beforeAll(async () => {
  app = server().createApp();
});

const memberEvent = (f: any) => f.event === "pusher_internal:member_added" || f.event === "pusher_internal:member_removed";

/** Subscribes with channel_data and returns the decoded `presence` object of subscription_succeeded. */
async function join(socket: Socket, channel: string, channelData: unknown) {
  const frame = await subscribeRaw(socket, app, channel, JSON.stringify(channelData));
  expect(typeof frame.data).toBe("string");
  return JSON.parse(frame.data).presence;
}

describe("members across users and tabs", () => {
  test("snapshot, member_added only for a user's first connection, never to the causing socket", async () => {
    const ch = "presence-room";
    const [a1, a2, b] = await Promise.all([raw(server(), app.key), raw(server(), app.key), raw(server(), app.key)]);

    expect(await join(a1, ch, { user_id: "a", user_info: { name: "A" } })).toEqual({
      ids: ["a"],
      hash: { a: { name: "A" } },
      count: 1,
    });

    const snapshot = await join(b, ch, { user_id: "b" });
    expect(snapshot.count).toBe(2);
    expect([...snapshot.ids].sort()).toEqual(["a", "b"]);
    expect(snapshot.hash).toEqual({ a: { name: "A" }, b: null });
    expect(Object.hasOwn(snapshot.hash, "b")).toBe(true);
    expect(await a1.next(memberEvent)).toEqual({
      event: "pusher_internal:member_added",
      channel: ch,
      data: JSON.stringify({ user_id: "b", user_info: null }),
    });

    // A second tab of user a: the snapshot is unchanged and nobody hears of a new member.
    const again = await join(a2, ch, { user_id: "a", user_info: { name: "A" } });
    expect(again.count).toBe(2);
    expect([...again.ids].sort()).toEqual(["a", "b"]);
    for (const id of again.ids) expect(Object.hasOwn(again.hash, id)).toBe(true);

    const users = await apiGet(server(), app, `/channels/${ch}/users`);
    expect(users.status).toBe(200);
    expect(users.body.users.map((u: { id: string }) => u.id).sort()).toEqual(["a", "b"]);

    await Promise.all([expectNoFrame(a1, memberEvent), expectNoFrame(a2, memberEvent), expectNoFrame(b, memberEvent)]);
  });

  test("member_removed only when the user's last connection leaves (unsubscribe, then disconnect)", async () => {
    const ch = "presence-leave";
    const [a1, a2, b] = await Promise.all([raw(server(), app.key), raw(server(), app.key), raw(server(), app.key)]);
    await join(a1, ch, { user_id: "a" });
    await join(a2, ch, { user_id: "a" });
    await join(b, ch, { user_id: "b" });
    await a1.next(memberEvent); // b joined
    await a2.next(memberEvent);

    a1.send({ event: "pusher:unsubscribe", data: { channel: ch } });
    await expectNoFrame(b, memberEvent);

    a2.close();
    expect(await b.next(memberEvent)).toEqual({
      event: "pusher_internal:member_removed",
      channel: ch,
      data: JSON.stringify({ user_id: "a" }),
    });
    const users = await apiGet(server(), app, `/channels/${ch}/users`);
    expect(users.body).toEqual({ users: [{ id: "b" }] });
  });

  test("a member leaving by unsubscribe is announced to the others but not to itself", async () => {
    const ch = "presence-unsub";
    const [a, b] = await Promise.all([raw(server(), app.key), raw(server(), app.key)]);
    await join(a, ch, { user_id: "a" });
    await join(b, ch, { user_id: "b" });
    await a.next(memberEvent);
    b.send({ event: "pusher:unsubscribe", data: { channel: ch } });
    expect(decode((await a.next(memberEvent)).data)).toEqual({ user_id: "b" });
    await expectNoFrame(b, memberEvent);
  });
});

test("pusher-js: members.count, members.me and member_added", async () => {
  const one = await connectedClient(server(), app, { presence: { user_id: "u1", user_info: { name: "One" } } });
  const two = await connectedClient(server(), app, { presence: { user_id: "u2" } });
  const ch1 = one.subscribe("presence-js") as any;
  await subscribed(ch1);
  expect(ch1.members.count).toBe(1);
  expect(ch1.members.me).toEqual({ id: "u1", info: { name: "One" } });

  const added = waitFor<any>((cb) => ch1.bind("pusher:member_added", cb));
  const ch2 = two.subscribe("presence-js") as any;
  await subscribed(ch2);
  expect(ch2.members.count).toBe(2);
  expect(ch2.members.me).toEqual({ id: "u2", info: null });
  expect(ch2.members.get("u1")).toEqual({ id: "u1", info: { name: "One" } });
  expect(await added).toEqual({ id: "u2", info: null });
  expect(ch1.members.count).toBe(2);

  const removed = waitFor<any>((cb) => ch1.bind("pusher:member_removed", cb));
  two.unsubscribe("presence-js");
  expect(await removed).toEqual({ id: "u2", info: null });
  expect(ch1.members.count).toBe(1);
});

test('a numeric user_id ({"user_id":1265}) becomes "1265"', async () => {
  const ch = "presence-numeric";
  const [watcher, numeric] = await Promise.all([raw(server(), app.key), raw(server(), app.key)]);
  await join(watcher, ch, { user_id: "w" });
  const frame = await subscribeRaw(numeric, app, ch, '{"user_id":1265}');
  const presence = JSON.parse(frame.data).presence;
  expect([...presence.ids].sort()).toEqual(["1265", "w"]);
  expect(presence.hash).toEqual({ "1265": null, w: null });
  expect(decode((await watcher.next(memberEvent)).data)).toEqual({ user_id: "1265", user_info: null });
  const users = await apiGet(server(), app, `/channels/${ch}/users`);
  expect(users.body.users.map((u: { id: string }) => u.id).sort()).toEqual(["1265", "w"]);
});

describe("limits and bad channel_data", () => {
  const ch = "presence-limits";
  async function refused(channelData: string, message: string) {
    const socket = await raw(server(), app.key);
    socket.send({
      event: "pusher:subscribe",
      data: { auth: channelAuth(app, socket.socketId, ch, channelData), channel: ch, channel_data: channelData },
    });
    await expectSubscriptionRefused(socket, ch, null, message, "BadRequest", 400);
  }

  test("user_id of 129 characters", async () => {
    await refused(JSON.stringify({ user_id: "u".repeat(129) }), `Invalid channel_data for ${ch}: user_id is 129 characters, the limit is 128`);
  });

  test("user_id of 128 characters is accepted", async () => {
    const socket = await raw(server(), app.key);
    expect((await join(socket, ch, { user_id: "u".repeat(128) })).count).toBe(1);
  });

  test("user_info over 1024 bytes", async () => {
    const info = { bio: "é".repeat(520) }; // 520 two-byte characters → 1050 bytes of JSON
    const bytes = Buffer.byteLength(JSON.stringify(info));
    expect(bytes).toBe(1050);
    await refused(JSON.stringify({ user_id: "big", user_info: info }), `Invalid channel_data for ${ch}: user_info is 1050 bytes, the limit is 1024`);
  });

  test("channel_data that is not JSON", async () => {
    await refused("{user_id: nope", `Invalid channel_data for ${ch}: not valid JSON`);
  });

  test("channel_data without user_id", async () => {
    await refused('{"user_info":{}}', `Invalid channel_data for ${ch}: user_id must be a non-empty string`);
  });

  test("no channel_data and no sign-in", async () => {
    const socket = await raw(server(), app.key);
    socket.send({ event: "pusher:subscribe", data: { auth: channelAuth(app, socket.socketId, ch), channel: ch } });
    const message = `Presence subscription to ${ch} needs channel_data or a signed-in user (pusher:signin)`;
    await expectSubscriptionRefused(socket, ch, null, message, "BadRequest", 400);
  });
});

test("a full presence channel refuses a new user with 4100 but admits more tabs of a member", async () => {
  const small = server().createApp(["--max-presence-members", "2"]);
  const ch = "presence-full";
  const sockets = await Promise.all([1, 2, 3, 4].map(() => raw(server(), small.key)));
  const [a, b, c, a2] = sockets as [Socket, Socket, Socket, Socket];
  await subscribeRaw(a, small, ch, '{"user_id":"a"}');
  await subscribeRaw(b, small, ch, '{"user_id":"b"}');
  await a.next(memberEvent); // b joined
  const channelData = '{"user_id":"c"}';
  c.send({ event: "pusher:subscribe", data: { auth: channelAuth(small, c.socketId, ch, channelData), channel: ch, channel_data: channelData } });
  const message = `Presence channel ${ch} is full: it has reached the limit of 2 members`;
  await expectSubscriptionRefused(c, ch, 4100, message, "LimitReached", 4100);
  expect(JSON.parse((await subscribeRaw(a2, small, ch, '{"user_id":"a"}')).data).presence.count).toBe(2);
  await expectNoFrame(a, memberEvent);
});
