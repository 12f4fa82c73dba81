/**
 * What the dashboard needs from the composition root: the same services the management API and the
 * CLI use (STYLE.md principle 6), the lifecycle bus for the debug console, and the usage recorder and
 * webhook service when the server runs them. Those two are optional and narrowed to the methods the
 * pages call, so a server (or a test) without them gets a clear "not available" state.
 */
import type { AuthService } from "../accounts/auth";
import type { PlanQuotas } from "../accounts/quotas";
import type { AccountService } from "../accounts/service";
import type { AppCache } from "../apps/cache";
import type { AppService } from "../apps/service";
import type { LifecycleBus } from "../engine/bus";
import type { DebugLog, DebugRelay } from "./debug-log";
import type { Engine } from "../engine/engine";
import type { UsageRecorder } from "../metrics/usage";
import type { WebhookService } from "../webhooks/service";

export type { UsagePeriod, UsageSeries } from "../metrics/usage-schema";

export type UsageSource = Pick<UsageRecorder, "series" | "today">;
export type WebhookSource = Pick<WebhookService, "list" | "get" | "add" | "update" | "remove" | "log" | "sendTest" | "redeliver" | "backlog">;

export interface DashboardDeps {
  apps: AppService;
  appCache: AppCache;
  accounts: AccountService;
  auth: AuthService;
  quotas: PlanQuotas;
  engine: Engine;
  bus: LifecycleBus;
  usage?: UsageSource;
  webhooks?: WebhookSource;
  /** Client address from X-Forwarded-For (ServerConfig.trustProxy). */
  trustProxy?: boolean;
  /** The debug console's ring buffer, started with the server (else the plugin starts one when built). */
  debugLog?: DebugLog;
  /** Events kept per app for the debug console (default 300; for a log the plugin starts itself). */
  debugCapacity?: number;
  /** Cluster mode: the consoles show every node's events (adapters/redis/debug-relay.ts). */
  debugRelay?: DebugRelay;
}
