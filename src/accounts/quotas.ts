/**
 * The engine's Quotas port backed by plans: concurrent connections per account (and the plan's
 * optional per-app cap) and delivered messages per UTC day. Counts live in the Counters adapter so
 * that several nodes can share them. Plans are cached for a second: plan changes apply within one.
 * Operator apps (no account) are not limited by any plan.
 */
import { then, type MaybePromise } from "../engine/maybe";
import type { Clock, Counters, Quotas } from "../engine/ports";
import type { Plan } from "./schemas";

type AppRef = { id: string; accountId: string | null };
const DAY_MS = 86_400_000;

export class PlanQuotas implements Quotas {
  private readonly plans = new Map<string, { plan: Plan | undefined; at: number }>();

  constructor(
    private readonly counters: Counters,
    private readonly planOf: (accountId: string) => Plan | undefined,
    private readonly clock: Clock,
  ) {}

  private plan(accountId: string): Plan | undefined {
    const now = this.clock.now();
    const cached = this.plans.get(accountId);
    if (cached !== undefined && now - cached.at < 1000) return cached.plan;
    const plan = this.planOf(accountId);
    this.plans.set(accountId, { plan, at: now });
    return plan;
  }

  /** Forget cached plans (after an admin changed a plan or an account's plan). */
  invalidate(): void {
    this.plans.clear();
  }

  admitConnection(app: AppRef): MaybePromise<string | null> {
    if (app.accountId === null) return null;
    const plan = this.plan(app.accountId);
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
    const plan = this.plan(app.accountId);
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
