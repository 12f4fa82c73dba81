/**
 * Shared helpers for the cluster-*.test.ts files (issue 11): every behaviour is checked across the
 * nodes of a real cluster (test/support/cluster.ts). Raw sockets, pusher-js clients and SDK calls
 * come from ws-helpers / clients, which take any node; this adds what only a cluster needs: a view
 * into the shared Redis, an admin API client on any node, and signed-in raw sockets.
 */
import IORedis from "ioredis";
import type { App } from "../../src/engine/app";
import type { Cluster } from "../support/cluster";
import type { TestServer } from "../support/server";
import { ApiClient, cliCreateAccount } from "./api-helpers";
import type { Receiver } from "./webhooks-helpers";
import { raw, subscribeRaw, userAuth, type Socket } from "./ws-helpers";

/** The key prefix the nodes use in Redis (src/adapters/redis/index.ts). */
export const PREFIX = "mawjly:";

/** Polls `probe` until `done` accepts its value, or fails after `ms` with the last value. */
export async function until<T>(probe: () => Promise<T> | T, done: (value: T) => boolean, ms = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms; last value: ${JSON.stringify(value)}`);
    await Bun.sleep(25);
  }
}

/** How many Redis connections (nodes) are subscribed to a channel's topic: PUBSUB NUMSUB. */
export async function numsub(redisUrl: string, appId: string, channel: string): Promise<number> {
  const redis = new IORedis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    const reply = (await redis.pubsub("NUMSUB", `${PREFIX}t:${appId}:${channel}`)) as [string, number];
    return Number(reply[1]);
  } finally {
    redis.disconnect();
  }
}

/** An admin account made with the CLI in the cluster's data dir, and a Bearer client per node. */
export function adminOn(cluster: Cluster, email = `admin-${crypto.randomUUID()}@example.com`): (node: TestServer) => ApiClient {
  const node = cluster.nodes[0]!;
  cliCreateAccount(node, email, ["--admin"]);
  const r = cluster.cli(["tokens", "create", "--account", email, "--name", "cluster tests", "--json"]);
  if (r.code !== 0) throw new Error(`tokens create failed: ${r.stderr}`);
  const token = JSON.parse(r.stdout).token as string;
  return (server) => new ApiClient(server, { bearer: token });
}

/** A raw socket on `node` signed in as `userId` (optionally with a watchlist); pusher:signin_success consumed. */
export async function signedInSocket(node: TestServer, app: App, userId: string, extra: Record<string, unknown> = {}): Promise<Socket> {
  const socket = await raw(node, app.key);
  const userData = JSON.stringify({ id: userId, ...extra });
  socket.send({ event: "pusher:signin", data: { auth: userAuth(app, socket.socketId, userData), user_data: userData } });
  await socket.next((f) => f.event === "pusher:signin_success");
  return socket;
}

/** Parses an HTTP API reply body (the pusher SDK resolves a fetch Response). */
export async function json(res: { status: number; json(): Promise<unknown> }): Promise<{ status: number; body: any }> {
  return { status: res.status, body: await res.json() };
}

/** A raw socket on `node` subscribed to `channel` (as presence member `userId` when given). */
export async function join(node: TestServer, app: App, channel: string, userId?: string): Promise<Socket> {
  const s = await raw(node, app.key);
  await subscribeRaw(s, app, channel, userId === undefined ? undefined : JSON.stringify({ user_id: userId }));
  return s;
}

/**
 * An app whose endpoint is `receiver`, added with the CLI in the shared data dir. Each node sees the
 * endpoint within MAWJLY_WEBHOOK_POLL_MS; until then its events have no endpoint. So each node
 * occupies probe channels until one of its events is delivered (eventsFor leaves probes out).
 */
export async function webhookAppIn(cluster: Cluster, receiver: Receiver, flags: string[] = []): Promise<App> {
  const app = cluster.createApp(flags);
  const r = cluster.cli(["webhooks", "add", "--app", app.id, "--url", receiver.url, "--json"]);
  if (r.code !== 0) throw new Error(`webhooks add failed: ${r.stderr}`);
  receiver.trust(app);
  for (const [i, node] of cluster.nodes.entries()) {
    for (let k = 0; ; k++) {
      const channel = `probe-${i}-${k}`;
      await join(node, app, channel);
      const delivered = () => receiver.requests.some((r) => r.key === app.key && r.body.events.some((e) => e.channel === channel));
      if (await receiver.until(delivered, 500).catch(() => false)) break;
      if (k > 40) throw new Error(`node ${i} never picked up the endpoint added by the CLI`);
    }
  }
  return app;
}

/** Events delivered (2xx) to `receiver` for one app, in arrival order, without the probes' events. */
export function eventsFor(receiver: Receiver, app: App): Record<string, any>[] {
  return receiver.requests
    .filter((r) => r.key === app.key && r.status >= 200 && r.status < 300)
    .flatMap((r) => r.body.events)
    .filter((e) => !String(e.channel).startsWith("probe-"));
}
