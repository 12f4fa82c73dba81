/**
 * In-process diagnostics that explain the ratios of the scenarios (not a scenario itself):
 *   1. µs per signed trigger request through Mawjly's Elysia app vs the baseline's handler, and the
 *      main pieces of Mawjly's path, with no network and no other process in the way;
 *   2. JS heap bytes per connection kept by Mawjly's engine (session + own-channel subscription).
 * It imports Mawjly internals (Engine, pusherHttpApi), so it may need updating when they change.
 * Usage: bun bench/diagnose.ts   (MAWJLY_BENCH_ROOT=DIR to diagnose another checkout)
 */
import { heapSize } from "bun:jsc";
import { join } from "node:path";
import { handleTrigger, verify } from "./baseline-server";
import { BUN, MAIN, MAWJLY_ROOT } from "./lib/servers";
import { signedQuery, stampedData } from "./lib/sign";
import { fmt } from "./lib/stats";

const src = (p: string) => import(join(MAWJLY_ROOT, "src", p));
const { Elysia } = await import("elysia");
const { Engine } = await src("engine/engine.ts");
const { MemoryChannelRegistry } = await src("adapters/registry/memory.ts");
const { MemoryUserRegistry } = await src("adapters/users/memory.ts");
const { MemoryChannelCache } = await src("adapters/cache/memory.ts");
const { MemoryCounters } = await src("adapters/counters/memory.ts");
const { MemoryControlChannel } = await src("adapters/control/memory.ts");
const { pusherHttpApi } = await src("http-api/index.ts");
const { plainFastRoute, serveFast } = await src("http-api/fast-path.ts");
const { verifySignedRequest, verifyParsed, parseRawQuery, requestStringToSign } = await src("protocol/http-signature.ts");
const { hmacHex, md5Hex, safeEqual } = await src("protocol/signatures.ts");
const { Metrics } = await src("metrics/prometheus.ts");
const { HttpObserver } = await src("metrics/http.ts");

// A real app record, made by the real CLI, so the engine sees every field it expects.
const dir = (await import("node:fs")).mkdtempSync("/tmp/mawjly-diagnose-");
Bun.spawnSync([BUN, MAIN, "migrate", "--data-dir", dir]); // apps create never creates a database
const created = Bun.spawnSync([BUN, MAIN, "apps", "create", "--name", "diag", "--json", "--data-dir", dir]);
if (created.exitCode !== 0) throw new Error(created.stderr.toString());
const app = JSON.parse(created.stdout.toString());
(await import("node:fs")).rmSync(dir, { recursive: true, force: true });
const apps = { byKey: () => app, byId: () => app };
const newEngine = () =>
  new Engine({
    apps,
    broker: { publish() {}, subscribe() {}, unsubscribe() {} },
    registry: new MemoryChannelRegistry(),
    users: new MemoryUserRegistry(),
    cache: new MemoryChannelCache(),
    counters: new MemoryCounters({ now: () => Date.now() }),
    control: new MemoryControlChannel(),
    quotas: { admitConnection: () => null, connectionClosed() {}, admitMessages: () => true },
    clock: { now: () => Date.now() },
    config: { activityTimeout: 120, pongTimeout: 30, cacheTtlMs: 60_000, protocols: [5, 6, 7] },
  });

/** The lowest of 5 rounds: other tenants' bursts only ever add time, so the minimum is the steadiest. */
async function time(label: string, f: () => unknown, n = 40_000): Promise<void> {
  for (let i = 0; i < n / 5; i++) await f(); // warm-up for the JIT
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < n / 5; i++) await f();
    best = Math.min(best, ((performance.now() - t0) * 1000 * 5) / n);
  }
  console.log(`  ${label.padEnd(52)} ${fmt(best, 2).padStart(7)} µs`);
}

console.log("1. µs per trigger request, in-process, best of 5 rounds (lower is better)");
const body = JSON.stringify({ name: "bench", channel: "bench", data: stampedData(Date.now(), 1, 100) });
const mPath = `/apps/${app.id}/events`;
const mUrl = `http://127.0.0.1${mPath}${signedQuery(app, mPath, body)}`;
const bUrl = `http://127.0.0.1/trigger${signedQuery({ key: "bench-key", secret: "bench-secret" }, "/trigger", body)}`;
const post = (url: string) => new Request(url, { method: "POST", body, headers: { "content-type": "application/json" } });
const deps = { apps, engine: newEngine(), nowSeconds: () => Math.floor(Date.now() / 1000) };
const http = new Elysia().use(pusherHttpApi(deps));
const check = await http.handle(post(mUrl));
if (check.status !== 200) throw new Error(`mawjly answered ${check.status}: ${await check.text()}`);
await time("mawjly: Elysia app.handle(POST /apps/{id}/events)", () => http.handle(post(mUrl)));
// What src/server.ts does for the trigger routes: the route read from the URL text, no Elysia pipeline.
const unobserved = { recordRoute() {} };
await time("mawjly: fast path (POST /apps/{id}/events)", () => {
  const req = post(mUrl);
  return serveFast(deps, req, plainFastRoute(req.method, req.url), unobserved);
});
{
  // As above, with the server's HTTP metrics and the Prometheus listeners on the engine's bus.
  const metered = newEngine();
  const metrics = new Metrics({ bus: metered.bus, live: () => [] });
  metrics.start();
  const observer = new HttpObserver(metrics, () => true);
  const mDeps = { ...deps, engine: metered };
  await time("mawjly: fast path + HTTP metrics + bus listeners", () => {
    const req = post(mUrl);
    return serveFast(mDeps, req, plainFastRoute(req.method, req.url), observer);
  });
}
await time("baseline: handleTrigger(POST /trigger)", () => handleTrigger(post(bUrl), new URL(bUrl), () => {}));
const mQuery = new URL(mUrl).search;
const secretFor = (k: string) => (k === app.key ? app.secret : undefined);
await time("  mawjly verifySignedRequest", () =>
  verifySignedRequest({ method: "POST", path: mPath, rawQuery: mQuery, rawBody: body }, secretFor, Math.floor(Date.now() / 1000)),
);
await time("    the general way (map, sort), as for an unsorted query", () =>
  verifyParsed({ method: "POST", path: mPath, rawQuery: mQuery, rawBody: body }, secretFor, Math.floor(Date.now() / 1000)),
);
const mParams = parseRawQuery(mQuery);
const mSigned = requestStringToSign("POST", mPath, mParams);
const mSignature = mParams.get("auth_signature");
await time("    parseRawQuery", () => parseRawQuery(mQuery));
await time("    requestStringToSign", () => requestStringToSign("POST", mPath, mParams));
await time("    md5Hex(body)", () => md5Hex(body));
await time("    hmacHex(secret, string to sign)", () => hmacHex(app.secret, mSigned));
await time("    safeEqual(signature)", () => safeEqual(mSignature, mSignature.slice(0)));
await time("  baseline verify (same checks)", () => verify("/trigger", new URL(bUrl).search.slice(1), body));
const bare = new Elysia().post("/apps/:appId/events", () => ({}), { parse: "none" });
await time("  Elysia routing + empty handler", () => bare.handle(post(mUrl)));
await time("  new Request (included in every line above)", () => post(mUrl));

console.log("\n2. JS heap bytes per connection (after a full GC)");
const engine = newEngine();
// A class, not an object literal: shared prototype methods, so the fake adds one small object (the server's
// Connection is the ServerWebSocket itself, which the baseline has too).
class FakeConnection {
  send() {}
  close() {}
  subscribe() {}
  unsubscribe() {}
  publish() {}
  ping() {}
}
const conn = () => new FakeConnection();
const N = 20_000;
const sessions: unknown[] = [];
const heap = (label: string, f: (i: number) => void) => {
  Bun.gc(true);
  const h0 = heapSize();
  for (let i = 0; i < N; i++) f(i);
  Bun.gc(true);
  console.log(`  ${label.padEnd(52)} ${fmt((heapSize() - h0) / N, 0).padStart(7)} B`);
};
heap("engine.open (Session, socket id, registry entry, conn)", () => sessions.push(engine.open(conn(), app.key, "7")));
heap("pusher:subscribe to its own channel", (i) =>
  engine.message(sessions[i], `{"event":"pusher:subscribe","data":{"channel":"c-${i}"}}`),
);
const keep: unknown[] = [];
heap("for scale: a Set holding one entry", (i) => keep.push(new Set([sessions[i]])));
heap("for scale: a Map holding one entry", (i) => keep.push(new Map([[`k${i}`, {}]])));
process.exit(0);
