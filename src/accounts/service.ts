/**
 * Accounts, plans and operator settings: the one service behind the CLI (`accounts`, `plans`), the
 * management API and the dashboard. Passwords are argon2id hashes (Bun.password).
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { ServiceError } from "../errors";
import {
  AccountPatch,
  NewAccount,
  PlanInput,
  PlanPatch,
  type Account,
  type Plan,
} from "./schemas";
import type { SqliteAccountStore, StoredAccount } from "./store";
import { check } from "./validate";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const DEFAULT_PLAN = "free";
export const ADMIN_PLAN = "unlimited";

export function publicAccount(a: StoredAccount): Account {
  const { passwordHash: _, ...account } = a;
  return account;
}

export class AccountService {
  /** Called after a plan or an account's plan changes, with the account id (or all: undefined). */
  onPlanChange: (accountId?: string) => void = () => {};
  /** Called with the ids of apps removed together with an account (their live sockets must close). */
  onAppsRemoved: (appIds: string[]) => void = () => {};

  constructor(
    readonly store: SqliteAccountStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: NewAccount, options: { onlyFirst?: boolean } = {}): Promise<Account> {
    check(NewAccount, input, "account");
    const email = input.email.trim().toLowerCase();
    if (!EMAIL.test(email)) throw new ServiceError("invalid", `Invalid email address '${input.email}'`);
    const planId = input.planId ?? (input.isAdmin ? ADMIN_PLAN : DEFAULT_PLAN);
    const passwordHash = await Bun.password.hash(input.password, { algorithm: "argon2id" });
    const account: StoredAccount = {
      id: randomUUID(),
      email,
      name: input.name?.trim() || email.split("@")[0]!,
      isAdmin: input.isAdmin === true,
      planId,
      createdAt: this.now().toISOString(),
      passwordHash,
    };
    this.store.transaction(() => {
      // Setup creates the first admin only: two parallel submissions of the link must not make two.
      if (options.onlyFirst && this.store.count("accounts") > 0) {
        throw new ServiceError("forbidden", "This setup link is invalid or was already used");
      }
      if (this.store.plan(planId) === undefined) throw new ServiceError("invalid", `No plan '${planId}'`);
      if (this.store.accountByEmail(email) !== undefined) {
        throw new ServiceError("conflict", `An account with email ${email} already exists`);
      }
      this.store.insertAccount(account);
    });
    return publicAccount(account);
  }

  get(id: string): Account {
    const account = this.store.account(id);
    if (account === undefined) throw new ServiceError("not_found", `No account '${id}'`);
    return publicAccount(account);
  }

  list(limit: number, offset: number): { items: Account[]; total: number } {
    const page = this.store.accounts(limit, offset);
    return { items: page.items.map(publicAccount), total: page.total };
  }

  async update(id: string, patch: AccountPatch): Promise<Account> {
    check(AccountPatch, patch, "account");
    const passwordHash = patch.password === undefined ? undefined : await Bun.password.hash(patch.password, { algorithm: "argon2id" });
    const updated = this.store.transaction(() => {
      const current = this.store.account(id);
      if (current === undefined) throw new ServiceError("not_found", `No account '${id}'`);
      if (patch.planId !== undefined && this.store.plan(patch.planId) === undefined) {
        throw new ServiceError("invalid", `No plan '${patch.planId}'`);
      }
      if (patch.isAdmin === false && current.isAdmin && this.store.adminCount() === 1) {
        throw new ServiceError("invalid", "Cannot remove the last admin");
      }
      const next: StoredAccount = {
        ...current,
        name: patch.name ?? current.name,
        isAdmin: patch.isAdmin ?? current.isAdmin,
        planId: patch.planId ?? current.planId,
        passwordHash: passwordHash ?? current.passwordHash,
      };
      this.store.updateAccount(next);
      // A new password ends every session opened with the old one.
      if (passwordHash !== undefined) this.store.deleteSessionsOf(id);
      return next;
    });
    this.onPlanChange(id);
    return publicAccount(updated);
  }

  /** Deletes an account with its apps (cascade), sessions and tokens. */
  delete(id: string): void {
    const appIds = this.store.transaction(() => {
      const current = this.store.account(id);
      if (current === undefined) throw new ServiceError("not_found", `No account '${id}'`);
      if (current.isAdmin && this.store.adminCount() === 1) throw new ServiceError("invalid", "Cannot delete the last admin");
      const owned = this.store.appIdsOf(id);
      this.store.deleteAccount(id);
      return owned;
    });
    this.onAppsRemoved(appIds);
  }

  count(): number {
    return this.store.count("accounts");
  }

  // Plans
  plans(): Plan[] {
    return this.store.plans();
  }

  plan(id: string): Plan {
    const plan = this.store.plan(id);
    if (plan === undefined) throw new ServiceError("not_found", `No plan '${id}'`);
    return plan;
  }

  createPlan(input: PlanInput): Plan {
    check(PlanInput, input, "plan");
    const plan: Plan = { maxAppConnections: 0, ...input, createdAt: this.now().toISOString() };
    this.store.transaction(() => {
      if (this.store.plan(input.id) !== undefined) throw new ServiceError("conflict", `A plan '${input.id}' already exists`);
      this.store.savePlan(plan);
    });
    return plan;
  }

  updatePlan(id: string, patch: PlanPatch): Plan {
    check(PlanPatch, patch, "plan");
    const plan = this.store.transaction(() => {
      const next = { ...this.plan(id), ...patch };
      this.store.savePlan(next);
      return next;
    });
    this.onPlanChange();
    return plan;
  }

  deletePlan(id: string): void {
    this.store.transaction(() => {
      this.plan(id);
      if (this.store.planInUse(id)) throw new ServiceError("invalid", `Plan '${id}' is assigned to accounts; move them first`);
      this.store.deletePlan(id);
    });
  }

  /** The plan in force for an account (cached by callers on hot paths). */
  planOf(accountId: string): Plan | undefined {
    const account = this.store.account(accountId);
    return account === undefined ? undefined : this.store.plan(account.planId);
  }

  // Operator settings
  signupOpen(): boolean {
    return this.store.setting("signup_open") === "true";
  }

  setSignupOpen(open: boolean): void {
    this.store.setSetting("signup_open", open ? "true" : "false");
  }

  /**
   * A new one-time setup token for the first admin, valid until used. Only its hash is stored; a new
   * start of the server with no accounts replaces it (the old link stops working).
   */
  newSetupToken(): string {
    const token = randomBytes(24).toString("base64url");
    this.store.setSetting("setup_token_hash", sha256(token));
    return token;
  }

  setupTokenValid(token: string): boolean {
    const hash = this.store.setting("setup_token_hash");
    return hash !== undefined && this.count() === 0 && hash === sha256(token);
  }

  /** Creates the first admin with the setup token, then retires the token. */
  async completeSetup(token: string, input: Omit<NewAccount, "isAdmin" | "planId">): Promise<Account> {
    if (!this.setupTokenValid(token)) {
      throw new ServiceError("forbidden", "This setup link is invalid or was already used");
    }
    const account = await this.create({ ...input, isAdmin: true, planId: ADMIN_PLAN }, { onlyFirst: true });
    this.store.setSetting("setup_token_hash", undefined);
    return account;
  }
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
