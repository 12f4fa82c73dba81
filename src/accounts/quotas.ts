/**
 * The engine's Quotas port backed by plans: concurrent connections per account (and the plan's
 * optional per-app cap) and delivered messages per UTC day. Counts live in the Counters adapter so
 * that several nodes can share them. Operator apps (no account) are not limited by any plan.
 *
 * The WebSocket connect path must never wait on the database (PostgreSQL is a network hop away), so
 * each node keeps a snapshot of every account's plan id (and admin flag) and every plan, loaded at start and reloaded
 * in the background: every second (changes made elsewhere, by the CLI or another node, apply within
 * about one), at once when this node changes a plan, and when an account is not in it yet (just
 * created elsewhere). A request that reads an account's row (its session or token) also corrects
 * that account's plan at once (`observe`). A failed reload keeps the last snapshot. An account not
 * (yet) in the snapshot has no plan: not limited, like an account without one.
 */
import { then, type MaybePromise } from "../engine/maybe";
import type { Clock, Counters, Quotas } from "../engine/ports";
import type { Plan } from "./schemas";
import type { PlanSnapshot } from "./store";

type AppRef = { id: string; accountId: string | null };
const DAY_MS = 86_400_000;
const REPORT_EVERY_MS = 60_000;

export class PlanQuotas implements Quotas {
  private snapshot: PlanSnapshot = { planOfAccount: new Map(), admins: new Set(), plans: new Map() };
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  /** The reload under way, and the one asked for while it ran (it may have read before the change). */
  private current: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private reportedAt = -Infinity;

  constructor(
    private readonly counters: Counters,
    private readonly load: () => Promise<PlanSnapshot>,
    private readonly clock: Clock,
    private readonly report: (message: string) => void = (message) => console.error(message),
  ) {}

  /** Loads the first snapshot (a failure fails the start), then reloads every `everyMs`. */
  async start(everyMs = 1000): Promise<void> {
    this.snapshot = await this.load();
    this.timer = setInterval(() => {
      if (this.current === undefined) void this.refresh();
    }, everyMs);
    this.timer.unref?.();
  }

  /** Stops reloading; waits for a reload under way (before the store closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.queued;
    await this.current;
  }

  /**
   * Reloads the snapshot; settles once a load that started after this call has finished. Never
   * rejects: a failure keeps the last snapshot and is reported at most once a minute.
   */
  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.current === undefined) {
      this.current = this.loadOnce().finally(() => (this.current = undefined));
      return this.current;
    }
    this.queued ??= this.current.then(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
  }

  private async loadOnce(): Promise<void> {
    try {
      this.snapshot = await this.load();
    } catch (err) {
      const now = this.clock.now();
      if (now - this.reportedAt < REPORT_EVERY_MS) return;
      this.reportedAt = now;
      this.report(`mawjly: could not reload the account plans; quotas keep the plans last loaded: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** An account as just read from the store: its plan (if the snapshot knows the plan) and admin flag, now. */
  observe(account: { id: string; planId: string; isAdmin: boolean }): void {
    const { planOfAccount, admins, plans } = this.snapshot;
    if (account.isAdmin) admins.add(account.id);
    else admins.delete(account.id);
    if (planOfAccount.get(account.id) === account.planId) return;
    if (plans.has(account.planId)) planOfAccount.set(account.id, account.planId);
    else if (this.current === undefined) void this.refresh();
  }

  /**
   * Whether an account is an admin, from the snapshot (for rules that must answer synchronously, such
   * as the webhooks' private-target rule). Unknown accounts are not.
   */
  isAdmin(accountId: string): boolean {
    return this.snapshot.admins.has(accountId);
  }

  /** The plan in force for an account, from the snapshot (no database access). */
  planOf(accountId: string): Plan | undefined {
    const planId = this.snapshot.planOfAccount.get(accountId);
    if (planId === undefined) {
      // Most likely created by another process a moment ago: load it now rather than within a second.
      if (this.current === undefined) void this.refresh();
      return undefined;
    }
    return this.snapshot.plans.get(planId);
  }

  admitConnection(app: AppRef): MaybePromise<string | null> {
    if (app.accountId === null) return null;
    const plan = this.planOf(app.accountId);
    // Limits reserve atomically (addIfBelow), so that nodes admitting at the same time cannot overshoot.
    const accountLimit = plan !== undefined && plan.maxConnections > 0 ? plan.maxConnections : Infinity;
    const appLimit = plan !== undefined && plan.maxAppConnections > 0 ? plan.maxAppConnections : Infinity;
    return then(this.counters.addIfBelow(`conn:${app.accountId}`, 1, accountLimit), (account) => {
      if (account === null) {
        return `Over connection quota: the ${plan!.name} plan allows ${plan!.maxConnections} concurrent connections`;
      }
      return then(this.counters.addIfBelow(`conn-app:${app.id}`, 1, appLimit), (perApp) => {
        if (perApp !== null) return null;
        return then(this.counters.add(`conn:${app.accountId}`, -1), () => {
          return `Over connection quota: the ${plan!.name} plan allows ${plan!.maxAppConnections} connections per app`;
        });
      });
    });
  }

  connectionClosed(app: AppRef): void {
    if (app.accountId === null) return;
    void this.counters.add(`conn:${app.accountId}`, -1);
    void this.counters.add(`conn-app:${app.id}`, -1);
  }

  admitMessages(app: AppRef, count: number): MaybePromise<boolean> {
    if (app.accountId === null || count <= 0) return true;
    const plan = this.planOf(app.accountId);
    if (plan === undefined || plan.maxMessagesPerDay === 0) return true;
    return then(
      this.counters.addIfBelow(this.dayCounter(app.accountId), count, plan.maxMessagesPerDay, this.msUntilMidnight()),
      (value) => value !== null,
    );
  }

  /** Messages counted today for an account (usage display). */
  messagesToday(accountId: string): MaybePromise<number> {
    return this.counters.get(this.dayCounter(accountId));
  }

  /** Seeds today's count after a restart, from the usage rollups. */
  seedMessagesToday(accountId: string, count: number): void {
    // Only into an empty counter: cluster nodes share it, and each one seeds at start.
    if (count > 0) void this.counters.addIfBelow(this.dayCounter(accountId), count, count, this.msUntilMidnight());
  }

  connections(accountId: string): MaybePromise<number> {
    return this.counters.get(`conn:${accountId}`);
  }

  private dayCounter(accountId: string): string {
    return `msgs:${accountId}:${Math.floor(this.clock.now() / DAY_MS)}`;
  }

  private msUntilMidnight(): number {
    const now = this.clock.now();
    return DAY_MS - (now % DAY_MS);
  }
}
