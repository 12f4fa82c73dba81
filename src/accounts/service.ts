/**
 * Accounts, plans and operator settings: the one service behind the CLI (`accounts`, `plans`), the
 * management API and the dashboard. Passwords are argon2id hashes (Bun.password).
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { ServiceError } from "../errors";
import type { Account, AccountPatch, NewAccount, Plan, PlanInput, PlanPatch } from "./schemas";
import { isForeignKeyViolation, isUniqueViolation, type AccountStore, type PlanSnapshot, type StoredAccount } from "./store";

/**
 * Checks an input against its schema. The schemas and TypeBox load on the first write, not at start:
 * a node that serves only sockets and triggers never needs them (~3.5 MB; src/engine/app.ts).
 */
async function check(schema: "NewAccount" | "AccountPatch" | "PlanInput" | "PlanPatch", value: unknown, what: string): Promise<void> {
  const [schemas, validate] = await Promise.all([import("./schemas"), import("./validate")]);
  validate.check(schemas[schema], value, what);
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const DEFAULT_PLAN = "free";
export const ADMIN_PLAN = "unlimited";
const SETUP_TOKEN = "setup_token_hash";
const SETUP_USED = "This setup link is invalid or was already used";

export function publicAccount(a: StoredAccount): Account {
  const { passwordHash: _, ...account } = a;
  return account;
}

export class AccountService {
  /**
   * Called after a plan, an account's plan or the set of accounts changes, with the account id (or
   * all: undefined). Awaited, so that this node's quotas know the change when the call returns.
   */
  onPlanChange: (accountId?: string) => void | Promise<void> = () => {};
  /**
   * Called when a request reads an account's row (sign-in, session, token): a fresh sight of its plan,
   * which this node's quotas take at once, before their next reload.
   */
  onAccountRead: (account: Account) => void = () => {};
  /**
   * Called with the ids of apps removed together with an account (their live sockets must close, the
   * app cache forgets them); awaited, so the next request no longer finds them.
   */
  onAppsRemoved: (appIds: string[]) => void | Promise<void> = () => {};

  constructor(
    readonly store: AccountStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: NewAccount, options: { setupTokenHash?: string } = {}): Promise<Account> {
    await check("NewAccount", input, "account");
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
    const conflict = () => new ServiceError("conflict", `An account with email ${email} already exists`);
    try {
      await this.store.transaction(async (store) => {
        // Setup creates the first admin only, and uses up its token in the same transaction: two
        // parallel submissions of the link must not make two (the second finds the token gone).
        if (options.setupTokenHash !== undefined) {
          if (!(await store.takeSetting(SETUP_TOKEN, options.setupTokenHash)) || (await store.count("accounts")) > 0) {
            throw new ServiceError("forbidden", SETUP_USED);
          }
        }
        if ((await store.plan(planId)) === undefined) throw new ServiceError("invalid", `No plan '${planId}'`);
        if ((await store.accountByEmail(email)) !== undefined) throw conflict();
        await store.insertAccount(account);
      });
    } catch (err) {
      // Two transactions inserting the same email at once: the unique index refuses the second.
      if (isUniqueViolation(err)) throw conflict();
      throw err;
    }
    await this.onPlanChange(account.id);
    return publicAccount(account);
  }

  async get(id: string): Promise<Account> {
    const account = await this.store.account(id);
    if (account === undefined) throw new ServiceError("not_found", `No account '${id}'`);
    return publicAccount(account);
  }

  async list(limit: number, offset: number): Promise<{ items: Account[]; total: number }> {
    const page = await this.store.accounts(limit, offset);
    return { items: page.items.map(publicAccount), total: page.total };
  }

  async update(id: string, patch: AccountPatch): Promise<Account> {
    await check("AccountPatch", patch, "account");
    const passwordHash = patch.password === undefined ? undefined : await Bun.password.hash(patch.password, { algorithm: "argon2id" });
    const updated = await this.store.transaction(async (store) => {
      const current = await store.account(id);
      if (current === undefined) throw new ServiceError("not_found", `No account '${id}'`);
      if (patch.planId !== undefined && (await store.plan(patch.planId)) === undefined) {
        throw new ServiceError("invalid", `No plan '${patch.planId}'`);
      }
      if (patch.isAdmin === false && current.isAdmin && (await store.adminIds({ lock: true })).length === 1) {
        throw new ServiceError("invalid", "Cannot remove the last admin");
      }
      const next: StoredAccount = {
        ...current,
        name: patch.name ?? current.name,
        isAdmin: patch.isAdmin ?? current.isAdmin,
        planId: patch.planId ?? current.planId,
        passwordHash: passwordHash ?? current.passwordHash,
      };
      await store.updateAccount(next);
      // A new password ends every session opened with the old one.
      if (passwordHash !== undefined) await store.deleteSessionsOf(id);
      return next;
    });
    await this.onPlanChange(id);
    return publicAccount(updated);
  }

  /** Deletes an account with its apps (cascade), sessions and tokens. */
  async delete(id: string): Promise<void> {
    const appIds = await this.store.transaction(async (store) => {
      const current = await store.account(id);
      if (current === undefined) throw new ServiceError("not_found", `No account '${id}'`);
      if (current.isAdmin && (await store.adminIds({ lock: true })).length === 1) throw new ServiceError("invalid", "Cannot delete the last admin");
      const owned = await store.appIdsOf(id);
      await store.deleteAccount(id);
      return owned;
    });
    await this.onPlanChange(id);
    await this.onAppsRemoved(appIds);
  }

  count(): Promise<number> {
    return this.store.count("accounts");
  }

  // Plans
  plans(): Promise<Plan[]> {
    return this.store.plans();
  }

  async plan(id: string): Promise<Plan> {
    const plan = await this.store.plan(id);
    if (plan === undefined) throw new ServiceError("not_found", `No plan '${id}'`);
    return plan;
  }

  async createPlan(input: PlanInput): Promise<Plan> {
    await check("PlanInput", input, "plan");
    const plan: Plan = { maxAppConnections: 0, ...input, createdAt: this.now().toISOString() };
    const conflict = () => new ServiceError("conflict", `A plan '${input.id}' already exists`);
    try {
      await this.store.transaction(async (store) => {
        if ((await store.plan(input.id)) !== undefined) throw conflict();
        await store.insertPlan(plan);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict();
      throw err;
    }
    await this.onPlanChange();
    return plan;
  }

  async updatePlan(id: string, patch: PlanPatch): Promise<Plan> {
    await check("PlanPatch", patch, "plan");
    const plan = await this.store.transaction(async (store) => {
      const current = await store.plan(id);
      if (current === undefined) throw new ServiceError("not_found", `No plan '${id}'`);
      const next = { ...current, ...patch };
      await store.updatePlan(next);
      return next;
    });
    await this.onPlanChange();
    return plan;
  }

  async deletePlan(id: string): Promise<void> {
    const inUse = () => new ServiceError("invalid", `Plan '${id}' is assigned to accounts; move them first`);
    try {
      await this.store.transaction(async (store) => {
        if ((await store.plan(id)) === undefined) throw new ServiceError("not_found", `No plan '${id}'`);
        if (await store.planInUse(id)) throw inUse();
        await store.deletePlan(id);
      });
    } catch (err) {
      // An account moved onto the plan by another transaction in the meantime.
      if (isForeignKeyViolation(err)) throw inUse();
      throw err;
    }
    await this.onPlanChange();
  }

  /** The plan in force for an account, read from the store (PlanQuotas keeps a snapshot for hot paths). */
  async planOf(accountId: string): Promise<Plan | undefined> {
    const account = await this.store.account(accountId);
    return account === undefined ? undefined : this.store.plan(account.planId);
  }

  /** Every account's plan id and every plan, for PlanQuotas' snapshot. */
  planSnapshot(): Promise<PlanSnapshot> {
    return this.store.planSnapshot();
  }

  // Operator settings
  async signupOpen(): Promise<boolean> {
    return (await this.store.setting("signup_open")) === "true";
  }

  async setSignupOpen(open: boolean): Promise<void> {
    await this.store.setSetting("signup_open", open ? "true" : "false");
  }

  /**
   * A new one-time setup token for the first admin, valid until used. Only its hash is stored; a new
   * start of the server with no accounts replaces it (the old link stops working).
   */
  async newSetupToken(): Promise<string> {
    const token = randomBytes(24).toString("base64url");
    await this.store.setSetting(SETUP_TOKEN, sha256(token));
    return token;
  }

  async setupTokenValid(token: string): Promise<boolean> {
    const hash = await this.store.setting(SETUP_TOKEN);
    return hash !== undefined && hash === sha256(token) && (await this.count()) === 0;
  }

  /** Creates the first admin with the setup token, which the same transaction uses up. */
  async completeSetup(token: string, input: Omit<NewAccount, "isAdmin" | "planId">): Promise<Account> {
    if (!(await this.setupTokenValid(token))) throw new ServiceError("forbidden", SETUP_USED);
    return this.create({ ...input, isAdmin: true, planId: ADMIN_PLAN }, { setupTokenHash: sha256(String(token)) });
  }
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
