/**
 * SIGTERM on one node of a cluster (issue 11, item 10): its clients get close 4200 (pusher-js then
 * reconnects), the other nodes' clients are undisturbed and keep receiving, and the stopped node's
 * presence members are removed with member_removed to the others (the graceful path, no waiting for
 * the node to be taken for dead).
 */
import { afterEach, expect, test } from "bun:test";
import { connectedClient } from "../support/clients";
import { useCluster } from "../support/cluster";
import { join } from "./cluster-helpers";
import { cleanup, serverSdk, subscribeRaw, subscribed, waitFor } from "./ws-helpers";

const cluster = useCluster({ nodes: 3, startTimeoutMs: 60_000 });
afterEach(cleanup);

const memberEvent = (f: any) => f.event === "pusher_internal:member_added" || f.event === "pusher_internal:member_removed";

test("SIGTERM on one node: 4200 to its clients, the others keep receiving, its members are removed", async () => {
  const app = cluster().createApp();
  const [n0, n1, n2] = cluster().nodes;
  const ch = "presence-room";
  const leaving = await join(n1!, app, ch, "leaver");
  await subscribeRaw(leaving, app, "news");
  const watcher = await join(n0!, app, ch, "watcher");
  await subscribeRaw(watcher, app, "news");
  const leaverJs = await connectedClient(n1!, app);
  const stayerJs = await connectedClient(n2!, app);
  const [leaverNews, stayerNews] = [leaverJs.subscribe("news"), stayerJs.subscribe("news")];
  await Promise.all([subscribed(leaverNews), subscribed(stayerNews)]);
  const leaverStates: string[] = [];
  const stayerStates: string[] = [];
  leaverJs.connection.bind("state_change", (s: { current: string }) => leaverStates.push(s.current));
  stayerJs.connection.bind("state_change", (s: { current: string }) => stayerStates.push(s.current));

  const exited = n1!.stop();
  expect(await leaving.closed(10_000)).toEqual({ code: 4200, reason: "Server is restarting, reconnect" });
  expect(await exited).toBe(0);
  // pusher-js treats 4200 as "reconnect now": it goes straight back to connecting (its node is gone).
  expect(leaverStates[0]).toBe("connecting");
  expect(leaverStates).not.toContain("disconnected");

  // The watcher on node 0 hears that "leaver" left, once.
  expect(await watcher.next(memberEvent, 10_000)).toEqual({
    event: "pusher_internal:member_removed",
    channel: ch,
    data: JSON.stringify({ user_id: "leaver" }),
  });

  // The other nodes' clients are still connected and receive what is published after.
  const got = waitFor((cb) => stayerNews.bind("after", cb), 10_000, "the event on node 2");
  await serverSdk(n0!, app).trigger("news", "after", { n: 1 });
  expect(await got).toEqual({ n: 1 });
  expect(await watcher.next((f) => f.event === "after")).toEqual({ event: "after", channel: "news", data: `{"n":1}` });
  expect(stayerStates).toEqual([]);
  expect(stayerJs.connection.state).toBe("connected");
  expect(watcher.closeCode).toBeUndefined();
  expect(watcher.log.filter(memberEvent).map((f) => JSON.parse(f.data).user_id)).toEqual(["leaver"]);
});
