/**
 * The composition root: the only place that picks concrete implementations (store, broker, clock)
 * and wires the edges to the engine. One Bun.serve: raw WebSocket handlers for /app/{key}, and every
 * other request handed to the Elysia app, built on first need (src/http-app.ts; ARCHITECTURE.md "Hybrid server").
 */
import type { Server } from "bun";
import { randomUUID } from "node:crypto";
import { LocalBroker } from "./adapters/broker/memory";
import { MemoryChannelCache } from "./adapters/cache/memory";
import { MemoryControlChannel } from "./adapters/control/memory";
import { MemoryCounters } from "./adapters/counters/memory";
import { MemoryChannelRegistry } from "./adapters/registry/memory";
import { MemoryUserRegistry } from "./adapters/users/memory";
import { AuthService } from "./accounts/auth";
import { PlanQuotas } from "./accounts/quotas";
import { AccountService } from "./accounts/service";
import { AccountStore } from "./accounts/store";
import { AppCache } from "./apps/cache";
import { AppService } from "./apps/service";
import { SqliteAppPeek } from "./apps/peek";
import { appProblemReporter } from "./apps/problems";
import { AppStore } from "./apps/store";
import { AppChangeWatcher } from "./apps/watcher";
import type { Cluster } from "./adapters/redis";
import type { ServerConfig } from "./config/config";
import { Engine } from "./engine/engine";
import { systemClock, type Clock } from "./engine/ports";
import { DebugLog } from "./dashboard/debug-log";
import { LazyHttpApp } from "./http-app";
import { safeEqual } from "./protocol/signatures";
import { fastRoute, plainFastRoute, serveFast } from "./http-api/fast-path";
import { connectionsPerApp, liveApps } from "./metrics/live";
import { HttpObserver } from "./metrics/http";
import { CONTENT_TYPE, Metrics } from "./metrics/prometheus";
import { UsageRecorder } from "./metrics/usage";
import { WebhookBacklogGauge } from "./metrics/webhook-backlog";
import { StoreHealth } from "./store/health";
import { openStore } from "./store/open";
import { tryUpgrade, websocketHandlers, type SocketData } from "./transport/bun-websocket";
import { loadWebhookConfig, startWebhooks, type WebhookService } from "./webhooks";

export interface RunningServer {
  url: string;
  port: number;
  engine: Engine;
  apps: AppService;
  accounts: AccountService;
  /** Webhook endpoints, delivery log, send test, redeliver (src/webhooks). */
  webhooks: WebhookService;
  /** Graceful stop: clients get 4200, timers stop, the store closes. */
  stop(): Promise<void>;
}

export interface ServerOverrides {
  clock?: Clock;
  /** Cluster mode: the Redis-backed ports of this node (adapters/redis, joined by cli/serve.ts). */
  cluster?: Cluster;
}

export async function startServer(config: ServerConfig, overrides: ServerOverrides = {}): Promise<RunningServer> {
  const clock = overrides.clock ?? systemClock;
  const cluster = overrides.cluster;
  // SQLite in the data directory, or PostgreSQL with --database-url (store/open.ts): migrated here.
  const opened = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const sql = opened.db;
  const db = opened.sqlite;
  // PostgreSQL mode: /health says degraded while the database cannot be reached.
  const storeHealth = db === undefined ? new StoreHealth(sql, opened.label) : undefined;
  storeHealth?.start();
  const store = new AppStore(sql);
  const appProblems = appProblemReporter(() => clock.now());
  // Every app in memory before the first connection; misses look in the local SQLite file (peek.ts).
  const cache = new AppCache(store, { peek: db === undefined ? undefined : new SqliteAppPeek(db), report: appProblems });
  // Changes from another process (the CLI) or host, found by polling the store (started below).
  const watcher = new AppChangeWatcher(store, (id) => engine.appChanged(id), () => engine.liveAppIds(), appProblems);
  await watcher.prime();
  await cache.load();
  const accounts = new AccountService(new AccountStore(sql));
  const apps = new AppService(store, { maxAppsFor: async (id) => (await accounts.planOf(id))?.maxApps ?? 0 });
  const counters = cluster?.counters ?? new MemoryCounters(clock);
  // Plans per account in memory, reloaded in the background: connects never wait on the database.
  const quotas = new PlanQuotas(counters, () => accounts.planSnapshot(), clock);
  await quotas.start();
  accounts.onPlanChange = () => quotas.refresh();
  accounts.onAccountRead = (account) => quotas.observe(account);
  const auth = new AuthService(accounts, counters);

  let server: Server<SocketData> | undefined;
  const local = {
    publishLocal: (topic: string, frame: string) => void server?.publish(topic, frame),
    socket: (topic: string, socketId: string) => engine.connection(topic, socketId),
  };
  // One node: memory adapters behind every port; a cluster: Redis ones (ARCHITECTURE.md "Several nodes").
  const ports = cluster?.ports(local) ?? {
    broker: new LocalBroker(local.publishLocal, local.socket),
    registry: new MemoryChannelRegistry(),
    users: new MemoryUserRegistry(),
    cache: new MemoryChannelCache(),
    control: new MemoryControlChannel(),
  };
  const control = ports.control;
  const engine: Engine = new Engine({
    apps: cache,
    ...ports,
    counters,
    clock,
    quotas,
    config: {
      activityTimeout: config.activityTimeout,
      pongTimeout: config.pongTimeout,
      cacheTtlMs: config.cacheTtl * 1000,
      protocols: [5, 6, 7],
    },
  });
  const usage = new UsageRecorder({ db: sql, bus: engine.bus, clock, connections: () => connectionsPerApp(engine) });
  // Sampled by the webhooks' periodic pass: a scrape never waits for the database.
  const webhookBacklog = new WebhookBacklogGauge();
  const metrics = new Metrics({
    bus: engine.bus,
    live: () => liveApps(engine),
    webhookBacklog: () => webhookBacklog.read(clock.now()),
  });
  const httpMetrics = new HttpObserver(metrics, (id) => cache.byId(id) !== undefined);
  usage.start();
  metrics.start();
  // After a restart the daily message quota (deliveries) continues from what the rollups recorded today.
  for (const account of (await accounts.list(10_000, 0)).items) {
    quotas.seedMessagesToday(account.id, (await usage.today((await apps.list(account.id)).map((a) => a.id))).delivered);
  }

  // Settings from MAWJLY_WEBHOOK_* (src/webhooks/config.ts); resumes deliveries left by the last run.
  // With MAWJLY_WEBHOOK_ALLOW_PRIVATE unset, only admins' apps may send webhooks to private addresses.
  // Cluster nodes on one data directory share the outbox; one of them at a time delivers it. On
  // PostgreSQL every node delivers the shared outbox, claiming the rows it sends (src/webhooks/index.ts).
  const webhookConfig = loadWebhookConfig();
  const webhookClaims = sql.dialect !== "sqlite";
  const webhooks = await startWebhooks({
    db: sql,
    bus: engine.bus,
    apps: cache,
    clock,
    config: webhookConfig,
    ownerIsAdmin: (id) => quotas.isAdmin(id),
    delivering: cluster === undefined || webhookClaims ? undefined : () => cluster.deliversWebhooks(webhookConfig.timeoutMs),
    claims: webhookClaims,
    nodeId: randomUUID(),
    backlogGauge: webhookBacklog,
  });

  // Changes from this process apply at once; changes from another process (the CLI) within 250 ms.
  // Every node applies them through the control channel (the cache first, so reload reads the new app).
  control.onMessage((message) => {
    if (message.kind !== "app_changed") return engine.applyControl(message);
    // The cache re-reads the app first (retrying while the store is down), so reload sees the new app.
    void cache.refresh(message.appId).then(() => engine.applyControl(message)).catch((err) => appProblems("applying a change", err));
  });
  apps.onChange = async (id) => {
    // This process's next request sees the change at once; other nodes hear of it through the control
    // channel (whose handler re-reads it here again, harmlessly). A failed re-read is retried there.
    await cache.reload(id).catch(() => {});
    engine.appChanged(id);
    await watcher.sync();
  };
  accounts.onAppsRemoved = async (ids) => {
    await Promise.all(ids.map((id) => apps.onChange(id)));
  };
  await watcher.start(250);

  // The dashboard, the management API and the CLI call the same services (STYLE.md principle 6).
  const services = { apps, appCache: cache, accounts, auth, quotas, engine, usage, webhooks: webhooks.service, trustProxy: config.trustProxy };

  const pusherDeps = { apps: cache, engine, nowSeconds: () => Math.floor(clock.now() / 1000) };
  // The debug console's ring buffer records from server start, whether or not the dashboard was opened.
  const debugLog = new DebugLog(300, () => clock.now(), cluster?.debugRelay);
  debugLog.start(engine.bus);
  // Built on the first request that needs it (src/http-app.ts); /health and /metrics never do.
  const http = new LazyHttpApp({
    pusher: pusherDeps,
    services,
    dashboard: { ...services, bus: engine.bus, debugRelay: cluster?.debugRelay, debugLog },
    httpMetrics,
    // A node that lost Redis or its PostgreSQL still serves its own sockets: degraded, not down.
    health: () => ({ status: (cluster?.healthy() ?? true) && (storeHealth?.healthy() ?? true) ? "ok" : "degraded" }),
    metrics: (request) => metricsResponse(metrics, config.metricsToken, request),
  });

  server = Bun.serve<SocketData>({
    hostname: config.host,
    port: config.port,
    // Bun's default shares the port with another process (SO_REUSEPORT) and the kernel then splits
    // connections between two servers silently; a busy port must be an error instead.
    reusePort: false,
    development: false,
    // A batch of 10 events of 10 KB plus JSON overhead fits with room to spare.
    maxRequestBodySize: 1024 * 1024,
    tls: config.tlsCert && config.tlsKey ? { cert: Bun.file(config.tlsCert), key: Bun.file(config.tlsKey) } : undefined,
    fetch(request, srv) {
      // Signed triggers skip Elysia's pipeline (src/http-api/fast-path.ts); same handlers, same answers.
      // Only POSTs match, which are never WebSocket upgrades, so they need no upgrade check either.
      // A plain URL (nearly every SDK's) is read as it is; any other goes through the URL parser first.
      // Every other method skips both: each read of request.url, url.pathname or url.search is a new
      // string, and a connect is a GET (bench/README.md, "Server CPU per reconnect").
      const method = request.method;
      const post = method === "POST";
      const href = request.url;
      if (post) {
        const plain = plainFastRoute(method, href);
        if (plain !== undefined) return serveFast(pusherDeps, request, plain, httpMetrics);
      }
      let url: URL;
      try {
        url = new URL(href);
      } catch {
        // HTTP/1.0 without a Host header leaves no absolute URL to route on.
        return Response.json({ error: "Bad request: the Host header is missing" }, { status: 400 });
      }
      if (post) {
        const fast = fastRoute(method, url.pathname, url.search);
        if (fast !== undefined) return serveFast(pusherDeps, request, fast, httpMetrics);
      }
      const upgraded = tryUpgrade(request, url, srv, method);
      if (upgraded !== false) return upgraded;
      return httpMetrics.observe(request, () => http.fetch(request, url));
    },
    websocket: websocketHandlers(engine),
  });

  // At least every second (authorized-connection timeouts are per app, down to 1 s), and within a
  // quarter of the shorter heartbeat timeout. One pass over 10k sockets costs well under a millisecond.
  const sweepMs = Math.max(100, Math.min(1000, (Math.min(config.activityTimeout, config.pongTimeout) * 1000) / 4));
  const sweeper = setInterval(() => engine.sweep(), sweepMs);

  const scheme = config.tlsCert ? "https" : "http";
  return {
    url: `${scheme}://${server.hostname}:${server.port}`,
    port: server.port!,
    engine,
    apps,
    accounts,
    webhooks: webhooks.service,
    async stop() {
      clearInterval(sweeper);
      await watcher.stop();
      cache.close();
      engine.shutdown();
      // Let the close frames leave before the listener goes away.
      await Bun.sleep(50);
      await server!.stop(true);
      // The sockets' last steps (leaves through a shared registry) finish, then the node leaves the cluster.
      await engine.settle(2000);
      await cluster?.stop();
      // After the sockets closed (their removals are recorded) and before the store closes.
      await webhooks.stop();
      await usage.stop();
      metrics.stop();
      await quotas.stop();
      storeHealth?.stop();
      await opened.close();
    },
  };
}

/** /metrics, behind a bearer token when one is configured (metrics reveal app ids and traffic). */
function metricsResponse(metrics: Metrics, token: string | undefined, request: Request): Response {
  if (token !== undefined && !safeEqual(request.headers.get("authorization") ?? "", `Bearer ${token}`)) {
    return Response.json({ error: "Send Authorization: Bearer <MAWJLY_METRICS_TOKEN>" }, { status: 401 });
  }
  return new Response(metrics.render(), { headers: { "content-type": CONTENT_TYPE } });
}
