/**
 * The composition root: the only place that picks concrete implementations (store, broker, clock)
 * and wires the edges to the engine. One Bun.serve: raw WebSocket handlers for /app/{key}, and every
 * other request handed to the Elysia app (ARCHITECTURE.md "Hybrid server").
 */
import type { Server } from "bun";
import { Elysia } from "elysia";
import { MemoryCounters } from "./adapters/counters/memory";
import { AuthService } from "./accounts/auth";
import { PlanQuotas } from "./accounts/quotas";
import { AccountService } from "./accounts/service";
import { SqliteAccountStore } from "./accounts/store";
import { managementApi } from "./api";
import { AppCache } from "./apps/cache";
import { AppService } from "./apps/service";
import { SqliteAppStore } from "./apps/sqlite-store";
import { AppChangeWatcher } from "./apps/watcher";
import type { ServerConfig } from "./config/config";
import { Engine } from "./engine/engine";
import { systemClock, type Broker, type Clock } from "./engine/ports";
import { docs } from "./docs/openapi";
import { pusherHttpApi } from "./http-api";
import { openDatabase } from "./store/database";
import { tryUpgrade, websocketHandlers, type SocketData } from "./transport/bun-websocket";

export interface RunningServer {
  url: string;
  port: number;
  engine: Engine;
  apps: AppService;
  accounts: AccountService;
  /** Graceful stop: clients get 4200, timers stop, the store closes. */
  stop(): Promise<void>;
}

export function startServer(config: ServerConfig, overrides: { clock?: Clock } = {}): RunningServer {
  const clock = overrides.clock ?? systemClock;
  const db = openDatabase(config.dataDir);
  const store = new SqliteAppStore(db);
  const cache = new AppCache(store);
  const accounts = new AccountService(new SqliteAccountStore(db));
  const apps = new AppService(store, { maxAppsFor: (id) => accounts.planOf(id)?.maxApps ?? 0 });
  const counters = new MemoryCounters(clock);
  const quotas = new PlanQuotas(counters, (id) => accounts.planOf(id), clock);
  accounts.onPlanChange = () => quotas.invalidate();
  const auth = new AuthService(accounts, counters);

  let server: Server<SocketData> | undefined;
  const broker: Broker = { publish: (topic, frame) => void server?.publish(topic, frame) };
  const engine = new Engine({
    apps: cache,
    broker,
    clock,
    quotas,
    config: {
      activityTimeout: config.activityTimeout,
      pongTimeout: config.pongTimeout,
      cacheTtlMs: config.cacheTtl * 1000,
      protocols: [5, 6, 7],
    },
  });

  // Changes from this process apply at once; changes from another process (the CLI) within 250 ms.
  const changed = (id: string) => {
    cache.invalidate(id);
    engine.reload(id);
  };
  const watcher = new AppChangeWatcher(db, store, changed);
  apps.onChange = (id) => {
    changed(id);
    watcher.sync();
  };
  watcher.start(250);

  const http = new Elysia()
    .get("/health", () => ({ status: "ok" }))
    .use(pusherHttpApi({ apps: cache, engine, nowSeconds: () => Math.floor(clock.now() / 1000) }))
    .use(managementApi({ apps, appCache: cache, accounts, auth, quotas, engine }))
    .use(docs());

  server = Bun.serve<SocketData>({
    hostname: config.host,
    port: config.port,
    development: false,
    // A batch of 10 events of 10 KB plus JSON overhead fits with room to spare.
    maxRequestBodySize: 1024 * 1024,
    tls: config.tlsCert && config.tlsKey ? { cert: Bun.file(config.tlsCert), key: Bun.file(config.tlsKey) } : undefined,
    fetch(request, srv) {
      const upgraded = tryUpgrade(request, new URL(request.url), srv);
      if (upgraded !== false) return upgraded;
      return http.fetch(request);
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
    async stop() {
      clearInterval(sweeper);
      watcher.stop();
      engine.shutdown();
      // Let the close frames leave before the listener goes away.
      await Bun.sleep(50);
      await server!.stop(true);
      db.close();
    },
  };
}
