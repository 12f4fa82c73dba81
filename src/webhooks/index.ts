/**
 * Builds the webhook machinery for one process: stores, the recorder (bus → outbox), the dispatcher
 * (outbox → HTTP) and the service, and resumes what a previous run left in the outbox. One periodic
 * pass picks up changes made by another process (the CLI), forgets expired holds, wakes every lane
 * (retries, expiry) and prunes the delivery log.
 */
import type { Database } from "bun:sqlite";
import type { AppDirectory } from "../engine/app";
import type { LifecycleBus } from "../engine/bus";
import type { Clock } from "../engine/ports";
import { Backlog } from "./backlog";
import { guardTargets, privateRule } from "./targets";
import { DEFAULT_WEBHOOK_CONFIG, type WebhookConfig } from "./config";
import { Dispatcher } from "./dispatcher";
import { EndpointDirectory } from "./endpoint-directory";
import { SqliteEndpointStore } from "./endpoint-store";
import { RemovalHolds } from "./holds";
import { SqliteDeliveryLog } from "./log-store";
import { SqliteOutbox } from "./outbox-store";
import { Recorder } from "./recorder";
import type { WebhookSender } from "./sender";
import { postWebhook } from "./sender";
import { problemReporter } from "./problems";
import { WebhookService } from "./service";
import { TickWriter } from "./tick-writer";

export interface WebhooksDeps {
  db: Database;
  bus: LifecycleBus;
  /** The app directory: webhooks are signed with the app's primary key pair, read at send time. */
  apps: AppDirectory;
  clock: Clock;
  config?: Partial<WebhookConfig>;
  send?: WebhookSender;
  /** Whether an account is an admin: with MAWJLY_WEBHOOK_ALLOW_PRIVATE unset, admins' apps may target private addresses. */
  ownerIsAdmin?: (accountId: string) => boolean;
  /** Cluster nodes sharing the outbox: only the elected node delivers (undefined: always). */
  delivering?: () => boolean;
}

export interface Webhooks {
  service: WebhookService;
  /** Stops taking events, lets requests in flight finish briefly, commits what is queued. Call before db.close(). */
  stop(): Promise<void>;
}

const PRUNE_EVERY_MS = 60_000;
/** Requests in flight may finish this long at stop; then they are aborted. Keeps a whole graceful stop under 1 s. */
const STOP_GRACE_MS = 300;

export function startWebhooks(deps: WebhooksDeps): Webhooks {
  const config: WebhookConfig = { ...DEFAULT_WEBHOOK_CONFIG, ...deps.config };
  const { db, bus, apps, clock } = deps;
  const report = problemReporter(() => clock.now());
  const endpoints = new SqliteEndpointStore(db);
  const outbox = new SqliteOutbox(db);
  const log = new SqliteDeliveryLog(db);
  const directory = new EndpointDirectory(endpoints);
  const writer = new TickWriter(db);
  const backlog = new Backlog(config.maxPending, () => clock.now());
  backlog.recount(outbox.pendingCounts());

  // Removals still inside their window when the last run ended can still be cancelled by a comeback.
  const holds = new RemovalHolds(clock);
  for (const row of outbox.held(clock.now())) holds.restore(row.hold_key!, row.ready_ms, { seq: row.seq, endpointId: row.endpoint_id });

  // One sender for deliveries and test sends, so the private-target rule holds for both.
  const rule = privateRule(config.allowPrivate, apps, deps.ownerIsAdmin);
  const send = guardTargets(deps.send ?? postWebhook, rule);
  const dispatcher = new Dispatcher({ directory, apps, outbox, log, writer, backlog, bus, clock, config, send, report, active: deps.delivering });
  const recorder = new Recorder({
    bus,
    directory,
    outbox,
    writer,
    holds,
    backlog,
    clock,
    delayMs: config.delayMs,
    queued: (id, readyMs) => dispatcher.queued(id, readyMs),
    sharedOutbox: deps.delivering !== undefined,
  });
  const service = new WebhookService({
    store: endpoints,
    log,
    outbox,
    apps,
    timeoutMs: config.timeoutMs,
    send,
    privateRule: rule,
    now: () => clock.now(),
    bus,
    hasRoom: (endpointId, rows) => backlog.of(endpointId).pending + rows <= config.maxPending,
    backlog: () =>
      [...backlog.entries()].flatMap(([endpointId, c]) => {
        const endpoint = directory.byId(endpointId);
        if (endpoint === undefined) return [];
        return [{ endpointId, appId: endpoint.appId, pending: c.pending, inFlight: dispatcher.inFlight(endpointId), dropped: c.dropped }];
      }),
  });
  service.onChange = () => {
    directory.reload();
    dispatcher.kickAll();
  };
  service.onQueued = (endpointId, rows) => {
    backlog.of(endpointId).pending += rows;
    dispatcher.kick(endpointId);
  };

  const dataVersion = () => (db.query("PRAGMA data_version").get() as { data_version: number }).data_version;
  let version = dataVersion();
  let lastPrune = 0;
  const maintenance = setInterval(() => {
    try {
      const now = clock.now();
      // data_version moves only when another connection commits (the CLI); our own writes leave it alone.
      const current = dataVersion();
      if (current !== version) {
        version = current;
        writer.flush();
        backlog.recount(outbox.pendingCounts());
      }
      // Also catches endpoints removed with their app by this process's AppService (ON DELETE CASCADE),
      // which neither moves data_version nor calls us; a few rows per app, once per poll.
      directory.reload();
      holds.sweep();
      dispatcher.kickAll();
      if (now - lastPrune >= PRUNE_EVERY_MS) {
        lastPrune = now;
        log.prune(now - config.logHours * 3_600_000, config.logMaxPerApp);
      }
    } catch (err) {
      report("maintenance", err);
    }
  }, config.pollMs);

  recorder.start();
  dispatcher.kickAll(); // resume deliveries left pending by the previous run

  return {
    service,
    async stop() {
      clearInterval(maintenance);
      recorder.stop();
      writer.flush();
      await dispatcher.stop(Math.min(STOP_GRACE_MS, config.timeoutMs));
      writer.flush();
    },
  };
}

export { WebhookService } from "./service";
export { loadWebhookConfig, type WebhookConfig } from "./config";
