/**
 * Presence across nodes (issue 11, item 2): the snapshot at subscribe is the cluster's members;
 * member_added only for a user's first connection in the cluster and member_removed for its last,
 * whichever nodes they are on; the member limit counts the whole cluster.
 */
import { afterEach, expect, test } from "bun:test";
import type { App } from "../../src/engine/app";
import { useCluster } from "../support/cluster";
import type { TestServer } from "../support/server";
import { channelAuth, cleanup, expectOpen, expectSubscriptionRefused, raw, subscribeRaw, type Socket } from "./ws-helpers";

const cluster = useCluster({ nodes: 3, startTimeoutMs: 60_000 });
afterEach(cleanup);

const memberEvent = (f: any) => f.event === "pusher_internal:member_added" || f.event === "pusher_internal:member_removed";
const added = (channel: string, userId: string, info: unknown = null) => ({
  event: "pusher_internal:member_added",
  channel,
  data: JSON.stringify({ user_id: userId, user_info: info }),
});
const removed = (channel: string, userId: string) => ({ event: "pusher_internal:member_removed", channel, data: JSON.stringify({ user_id: userId }) });
const memberLog = (s: Socket) => s.log.filter(memberEvent);

/** A raw socket on `node` joined to `channel` as `userId`; returns it and the decoded presence snapshot. */
async function join(node: TestServer, app: App, channel: string, userId: string, info?: unknown) {
  const socket = await raw(node, app.key);
  const frame = await subscribeRaw(socket, app, channel, JSON.stringify({ user_id: userId, user_info: info }));
  return { socket, presence: JSON.parse(frame.data).presence };
}

/** The server has handled every frame this socket sent before (frames of one socket are handled in order). */
const handled = expectOpen;

test("the snapshot at subscribe holds the members of every node; the others hear member_added once", async () => {
  const app = cluster().createApp();
  const ch = "presence-room";
  const [n0, n1, n2] = cluster().nodes;
  const a = await join(n0!, app, ch, "a", { name: "A" });
  const b = await join(n1!, app, ch, "b", { name: "B" });
  expect(await a.socket.next(memberEvent)).toEqual(added(ch, "b", { name: "B" }));
  const c = await join(n2!, app, ch, "c");
  expect(c.presence.count).toBe(3);
  expect([...c.presence.ids].sort()).toEqual(["a", "b", "c"]);
  expect(c.presence.hash).toEqual({ a: { name: "A" }, b: { name: "B" }, c: null });
  expect(b.presence.count).toBe(2);
  expect(b.presence.hash).toEqual({ a: { name: "A" }, b: { name: "B" } });
  for (const s of [a.socket, b.socket]) expect(await s.next(memberEvent)).toEqual(added(ch, "c"));
  expect(memberLog(c.socket)).toEqual([]);
  expect(memberLog(a.socket)).toEqual([added(ch, "b", { name: "B" }), added(ch, "c")]);
});

test("one user on two nodes: member_added for the first connection only, member_removed for the last only", async () => {
  const app = cluster().createApp();
  const ch = "presence-tabs";
  const [n0, n1, n2] = cluster().nodes;
  const watcher = (await join(n2!, app, ch, "w")).socket;

  const a1 = (await join(n0!, app, ch, "a")).socket;
  expect(await watcher.next(memberEvent)).toEqual(added(ch, "a"));
  const a2 = await join(n1!, app, ch, "a");
  expect(a2.presence.count).toBe(2); // the same user twice is one member
  expect([...a2.presence.ids].sort()).toEqual(["a", "w"]);
  // A later member joining through the same node (n1) is announced after anything a2 caused.
  await join(n1!, app, ch, "z1");
  expect(await watcher.next(memberEvent)).toEqual(added(ch, "z1"));

  // a leaves node 0 (unsubscribe, handled before the ping's answer): a is still on node 1.
  a1.send({ event: "pusher:unsubscribe", data: { channel: ch } });
  await handled(a1);
  await join(n0!, app, ch, "z0");
  expect(await watcher.next(memberEvent)).toEqual(added(ch, "z0"));

  // The last connection of a, on node 1, closes: now a is gone, announced once.
  a2.socket.close();
  expect(await watcher.next(memberEvent, 10_000)).toEqual(removed(ch, "a"));
  await join(n1!, app, ch, "z2");
  expect(await watcher.next(memberEvent)).toEqual(added(ch, "z2"));
  expect(memberLog(watcher)).toEqual([added(ch, "a"), added(ch, "z1"), added(ch, "z0"), removed(ch, "a"), added(ch, "z2")]);
});

test("the member limit counts members on every node; another tab of a member is still admitted", async () => {
  const app = cluster().createApp(["--max-presence-members", "2"]);
  const ch = "presence-full";
  const [n0, n1, n2] = cluster().nodes;
  const a = await join(n0!, app, ch, "a");
  const b = await join(n1!, app, ch, "b");
  await a.socket.next(memberEvent); // b joined
  const c = await raw(n2!, app.key);
  const channelData = '{"user_id":"c"}';
  c.send({ event: "pusher:subscribe", data: { auth: channelAuth(app, c.socketId, ch, channelData), channel: ch, channel_data: channelData } });
  await expectSubscriptionRefused(c, ch, 4100, `Presence channel ${ch} is full: it has reached the limit of 2 members`, "LimitReached", 4100);
  const a2 = await join(n2!, app, ch, "a");
  expect(a2.presence.count).toBe(2);
  // Once b leaves node 1, a new user on node 2 gets the free place.
  b.socket.close();
  expect(await a.socket.next(memberEvent, 10_000)).toEqual(removed(ch, "b"));
  const d = await join(n2!, app, ch, "d");
  expect(d.presence.count).toBe(2);
  expect([...d.presence.ids].sort()).toEqual(["a", "d"]);
});

test("two new users racing for the last place on two nodes: exactly one gets it", async () => {
  const app = cluster().createApp(["--max-presence-members", "2"]);
  const [n0, n1, n2] = cluster().nodes;
  for (let round = 0; round < 5; round++) {
    const ch = `presence-race-${round}`;
    await join(n0!, app, ch, "first");
    const racers = await Promise.all([raw(n1!, app.key), raw(n2!, app.key)]);
    const outcomes = await Promise.all(
      racers.map((s, i) => {
        const channelData = JSON.stringify({ user_id: `racer-${i}` });
        s.send({ event: "pusher:subscribe", data: { auth: channelAuth(app, s.socketId, ch, channelData), channel: ch, channel_data: channelData } });
        return s.next((f) => f.channel === ch && (f.event === "pusher_internal:subscription_succeeded" || f.event === "pusher:subscription_error"));
      }),
    );
    expect(outcomes.map((f) => f.event).sort()).toEqual(["pusher:subscription_error", "pusher_internal:subscription_succeeded"]);
  }
});
