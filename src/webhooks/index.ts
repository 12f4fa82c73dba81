/**
 * Builds the webhook machinery for one process: stores, the recorder (bus → outbox), the dispatcher
 * (outbox → HTTP) and the service, and resumes what a previous run left in the outbox. One periodic
 * pass picks up changes made by another process (the CLI, other nodes), forgets expired holds, wakes
 * every lane (retries, expiry), samples the backlog gauge and prunes the delivery log.
 *
 * Who delivers: one process on a SQLite data directory (cluster nodes sharing one elect a deliverer
 * through Redis, `delivering`); on PostgreSQL every node delivers the shared outbox, claiming the rows
 * it sends (`claims`), so each event is sent by one node and a dead node's rows are taken over.
 */
import { randomUUID } from "node:crypto";
import type { WebhookBacklogGauge } from "../metrics/webhook-backlog";
import type { Db } from "../store/db";
import type { AppDirectory } from "../engine/app";
import type { LifecycleBus } from "../engine/bus";
import type { Clock } from "../engine/ports";
import { Backlog } from "./backlog";
import { guardTargets, privateRule } from "./targets";
import { DEFAULT_WEBHOOK_CONFIG, type WebhookConfig } from "./config";
import { Dispatcher } from "./dispatcher";
import { within } from "./within";
import { EndpointDirectory } from "./endpoint-directory";
import { EndpointStore } from "./endpoint-store";
import { RemovalHolds } from "./holds";
import { DeliveryLogStore } from "./log-store";
import { OutboxStore } from "./outbox-store";
import { Recorder } from "./recorder";
import type { WebhookSender } from "./sender";
import { postWebhook } from "./sender";
import { problemReporter } from "./problems";
import { WebhookService } from "./service";
import { TickWriter } from "./tick-writer";

export interface WebhooksDeps {
  db: Db;
  bus: LifecycleBus;
  /** The app directory: webhooks are signed with the app's primary key pair, read at send time. */
  apps: AppDirectory;
  clock: Clock;
  config?: Partial<WebhookConfig>;
  send?: WebhookSender;
  /** Whether an account is an admin: with MAWJLY_WEBHOOK_ALLOW_PRIVATE unset, admins' apps may target private addresses. */
  ownerIsAdmin?: (accountId: string) => boolean;
  /** Cluster nodes sharing a SQLite outbox: only the elected node delivers (undefined: always). */
  delivering?: () => boolean;
  /** Every node delivers one shared outbox (PostgreSQL): rows are claimed before they are sent. */
  claims?: boolean;
  /** This process's name on its claims (default: a random UUID per start). */
  nodeId?: string;
  /** The /metrics backlog gauge, sampled by the periodic pass. */
  backlogGauge?: WebhookBacklogGauge;
}

export interface Webhooks {
  service: WebhookService;
  /** Stops taking events, lets requests in flight finish briefly, commits what is queued, releases claims. Call before db.close(). */
  stop(): Promise<void>;
  /** Ends like a killed process (tests of takeover): requests aborted, queued writes lost, claims left to lapse. */
  kill(): void;
  /** Commits the writes queued so far (they are committed after each tick anyway; this waits for it). */
  flush(): Promise<void>;
}

const PRUNE_EVERY_MS = 60_000;
/** PostgreSQL: other nodes write the shared outbox and no data_version says so; recount this often. */
const RECOUNT_EVERY_MS = 5_000;
/** Requests in flight may finish this long at stop; then they are aborted. Keeps a whole graceful stop under 1 s. */
const STOP_GRACE_MS = 300;
/** The store's share of a stop (last commit, releasing claims): a database that hangs cannot hold the exit. */
const STOP_STORE_MS = 500;

export async function startWebhooks(deps: WebhooksDeps): Promise<Webhooks> {
  const config: WebhookConfig = { ...DEFAULT_WEBHOOK_CONFIG, ...deps.config };
  const { db, bus, apps, clock } = deps;
  const node = deps.nodeId ?? randomUUID();
  const report = problemReporter(() => clock.now());
  const endpoints = new EndpointStore(db);
  const outbox = new OutboxStore(db);
  const log = new DeliveryLogStore(db);
  const directory = new EndpointDirectory(endpoints);
  await directory.reload();
  const writer = new TickWriter(db, { maxBuffered: config.maxPending });
  const backlog = new Backlog(config.maxPending, () => clock.now());
  backlog.recount(await outbox.pendingCounts());

  // Removals still inside their window when the last run ended can still be cancelled by a comeback.
  const holds = new RemovalHolds(clock);
  for (const row of await outbox.held(clock.now())) holds.restore(row.hold_key!, row.ready_ms, { seq: row.seq, endpointId: row.endpoint_id });

  // One sender for deliveries and test sends, so the private-target rule holds for both.
  const rule = privateRule(config.allowPrivate, apps, deps.ownerIsAdmin);
  const send = guardTargets(deps.send ?? postWebhook, rule);
  const claims = deps.claims === true ? { node } : undefined;
  const dispatcher = new Dispatcher({ directory, apps, outbox, log, writer, backlog, bus, clock, config, send, report, active: deps.delivering, claims });
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
    sharedOutbox: deps.delivering !== undefined || claims !== undefined,
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
  service.onChange = async () => {
    await directory.reload();
    dispatcher.kickAll();
  };
  service.onQueued = (endpointId, rows) => {
    backlog.of(endpointId).pending += rows;
    dispatcher.kick(endpointId);
  };

  const recount = async () => {
    await writer.flush();
    backlog.recount(await outbox.pendingCounts());
  };
  // SQLite: data_version moves only when another connection commits (the CLI, a node on the same
  // data directory); our own writes leave it alone.
  const dataVersion = async () => (await db.get<{ data_version: number }>("PRAGMA data_version"))!.data_version;
  let version = db.dialect === "sqlite" ? await dataVersion() : 0;
  let lastRecount = clock.now();
  let lastPrune = 0;
  const pass = async () => {
    const now = clock.now();
    if (db.dialect === "sqlite") {
      const current = await dataVersion();
      if (current !== version) {
        version = current;
        await recount();
      }
    } else if (now - lastRecount >= RECOUNT_EVERY_MS) {
      lastRecount = now;
      await recount();
    }
    // Also catches endpoints removed with their app by this process's AppService (ON DELETE CASCADE),
    // which neither moves data_version nor calls us; a few rows per app, once per poll.
    await directory.reload();
    holds.sweep();
    dispatcher.kickAll();
    await deps.backlogGauge?.sample(db, now);
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      await log.prune(now - config.logHours * 3_600_000, config.logMaxPerApp);
    }
  };
  // One pass at a time: a slow store skips a beat instead of piling passes up.
  let passing: Promise<void> | undefined;
  const maintenance = setInterval(() => {
    passing ??= pass()
      .catch((err) => report("maintenance", err))
      .finally(() => (passing = undefined));
  }, config.pollMs);

  recorder.start();
  dispatcher.kickAll(); // resume deliveries left pending by the previous run
  void deps.backlogGauge?.sample(db, clock.now()).catch((err) => report("maintenance", err));

  return {
    service,
    async stop() {
      clearInterval(maintenance);
      recorder.stop();
      await within(writer.flush(), STOP_STORE_MS);
      await dispatcher.stop(Math.min(STOP_GRACE_MS, config.timeoutMs));
      await within(Promise.all([passing, writer.close()]), STOP_STORE_MS);
      if (claims !== undefined) await within(outbox.release(node).catch((err) => report("claim release", err)), STOP_STORE_MS);
    },
    flush: () => writer.flush(),
    kill() {
      clearInterval(maintenance);
      recorder.stop();
      dispatcher.kill();
      writer.discard();
    },
  };
}

export { WebhookService } from "./service";
export { loadWebhookConfig, type WebhookConfig } from "./config";
