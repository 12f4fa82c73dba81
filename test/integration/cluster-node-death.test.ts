/**
 * A node that dies (SIGKILL, no goodbye) is taken out of the cluster by the survivors (issue 11,
 * item 8): within 10 s its sockets are gone from every count (live connections, /channels), its
 * presence members are removed with member_removed to the other nodes' subscribers and one
 * member_removed webhook, and its channels that no other node holds vacate (one channel_vacated).
 * The survivors also send the new subscription counts and watchlist "offline" for its users.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { useCluster } from "../support/cluster";
import { adminOn, eventsFor, join, signedInSocket, until, webhookAppIn } from "./cluster-helpers";
import { FAST_ENV, Receiver } from "./webhooks-helpers";
import { apiGet, cleanup, serverSdk, subscribeRaw } from "./ws-helpers";

const cluster = useCluster({ nodes: 3, startTimeoutMs: 60_000, env: { ...FAST_ENV, MAWJLY_WEBHOOK_ALLOW_PRIVATE: "1" } });
const receiver = new Receiver();
beforeAll(() => void receiver.start());
afterAll(() => receiver.stop());
afterEach(cleanup);

const memberEvent = (f: any) => f.event === "pusher_internal:member_added" || f.event === "pusher_internal:member_removed";

test("SIGKILL of a node: its sockets, members and lone channels leave every count within 10 s, announced once", async () => {
  const app = await webhookAppIn(cluster(), receiver);
  const [n0, n1, n2] = cluster().nodes;
  const api = adminOn(cluster());
  cleanup(); // the probes' connections: the counts below are then exact
  await until(() => api(n0!).get(`/apps/${app.id}/live`), (r) => r.body.connections === 0, 10_000, "no connection");
  const ch = "presence-p";
  // Node 2 (the victim): "victim" (only there) and "both" (also on node 1); "only-victim" lives there alone.
  const victim = await join(n2!, app, ch, "victim");
  await subscribeRaw(victim, app, "only-victim");
  await subscribeRaw(victim, app, "shared");
  await join(n2!, app, ch, "both");
  // Node 1: the watcher and the other connection of "both"; node 0 only asks.
  const watcher = await join(n1!, app, ch, "watcher");
  await subscribeRaw(watcher, app, "shared");
  await join(n1!, app, ch, "both");
  for (const c of ["presence-p", "only-victim", "shared"]) await receiver.event((e) => e.name === "channel_occupied" && e.channel === c, 10_000);
  // Every webhook of the joins has arrived before the kill: one still in flight on the victim would be
  // sent again by a survivor (delivery is at least once), and "once" below is about the departure.
  for (const u of ["victim", "both", "watcher"]) await receiver.event((e) => e.name === "member_added" && e.user_id === u, 10_000);
  expect((await api(n0!).get(`/apps/${app.id}/live`)).body.connections).toBe(4);

  await n2!.kill();
  const killed = Date.now();
  for (const node of [n0!, n1!]) {
    const live = await until(() => api(node).get(`/apps/${app.id}/live`), (r) => r.body.connections === 2, 10_000, "live connections");
    expect(live.body.channels.items.map((c: { name: string }) => c.name)).toEqual(["presence-p", "shared"]);
    const room = live.body.channels.items.find((c: { name: string }) => c.name === ch);
    expect(room.subscriptionCount).toBe(2);
    expect(room.members.map((m: { id: string }) => m.id).sort()).toEqual(["both", "watcher"]);
    expect(await apiGet(node, app, "/channels", { filter_by_prefix: "only-" })).toEqual({ status: 200, body: { channels: {} } });
    expect(await apiGet(node, app, "/channels", { filter_by_prefix: "presence-", info: "user_count" })).toEqual({
      status: 200,
      body: { channels: { "presence-p": { user_count: 2 } } },
    });
  }
  expect(Date.now() - killed).toBeLessThan(10_000);

  // The watcher hears that "victim" left, and nothing about "both" (still on node 1).
  expect(await watcher.next(memberEvent, 10_000)).toEqual({ event: "pusher_internal:member_removed", channel: ch, data: JSON.stringify({ user_id: "victim" }) });
  await serverSdk(n0!, app).trigger(ch, "after", "1"); // a later frame, to see that nothing else came
  await watcher.next((f) => f.event === "after");
  expect(watcher.log.filter(memberEvent).map((f) => f.event)).toEqual(["pusher_internal:member_removed"]);

  // Webhooks, once each (delivered by a survivor if the victim held the lease).
  await receiver.event((e) => e.name === "member_removed" && e.user_id === "victim", 15_000);
  await receiver.event((e) => e.name === "channel_vacated" && e.channel === "only-victim", 15_000);
  await join(n0!, app, "sentinel"); // a later event: what came before it has come
  await receiver.event((e) => e.name === "channel_occupied" && e.channel === "sentinel", 15_000);
  expect(eventsFor(receiver, app).map((e) => `${e.name} ${e.channel} ${e.user_id ?? ""}`.trim()).sort()).toEqual([
    "channel_occupied only-victim",
    "channel_occupied presence-p",
    "channel_occupied sentinel",
    "channel_occupied shared",
    "channel_vacated only-victim",
    "member_added presence-p both",
    "member_added presence-p victim",
    "member_added presence-p watcher",
    "member_removed presence-p victim",
  ]);
}, 90_000);

test("SIGKILL of a node: subscribers elsewhere get the new subscription_count, watchers the user's offline", async () => {
  if (!cluster().nodes[2]!.running()) await cluster().restartNode(2);
  const app = cluster().createApp(["--subscription-count", "--watchlist"]);
  const [n0, , n2] = cluster().nodes;
  const bob = await signedInSocket(n2!, app, "bob");
  await subscribeRaw(bob, app, "counted");
  const watcher = await signedInSocket(n0!, app, "ann", { watchlist: ["bob"] });
  const watch = (events: unknown) => ({ event: "pusher_internal:watchlist_events", data: JSON.stringify({ events }) });
  expect(await watcher.next((f) => f.event === "pusher_internal:watchlist_events")).toEqual(watch([{ name: "online", user_ids: ["bob"] }]));
  await subscribeRaw(watcher, app, "counted");
  const count = (n: number) => ({ event: "pusher_internal:subscription_count", channel: "counted", data: JSON.stringify({ subscription_count: n }) });
  expect(await watcher.next((f) => f.event === "pusher_internal:subscription_count")).toEqual(count(2));

  await cluster().nodes[2]!.kill();
  expect(await watcher.next((f) => f.event === "pusher_internal:subscription_count", 10_000)).toEqual(count(1));
  expect(await watcher.next((f) => f.event === "pusher_internal:watchlist_events", 10_000)).toEqual(watch([{ name: "offline", user_ids: ["bob"] }]));
}, 90_000);
