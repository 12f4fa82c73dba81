/**
 * Accounts, plans, sessions, API tokens and operator settings over the store port (store/db.ts): the
 * same SQL on SQLite and PostgreSQL. Emails are compared as stored: the service lowercases them before
 * they reach the store, and every lookup here lowercases too (PostgreSQL has no NOCASE collation).
 */
import type { Db } from "../store/db";

export { isUniqueViolation } from "../store/db";
import type { Account, ApiToken, Plan } from "./schemas";

interface AccountRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  is_admin: number;
  plan_id: string;
  created_at: string;
}
interface PlanRow {
  id: string;
  name: string;
  max_apps: number;
  max_connections: number;
  max_app_connections: number;
  max_messages_per_day: number;
  created_at: string;
}
interface TokenRow {
  id: string;
  account_id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export type StoredAccount = Account & { passwordHash: string };

const toAccount = (r: AccountRow): StoredAccount => ({
  id: r.id,
  email: r.email,
  name: r.name,
  isAdmin: Number(r.is_admin) === 1,
  planId: r.plan_id,
  createdAt: r.created_at,
  passwordHash: r.password_hash,
});
const toPlan = (r: PlanRow): Plan => ({
  id: r.id,
  name: r.name,
  maxApps: Number(r.max_apps),
  maxConnections: Number(r.max_connections),
  maxAppConnections: Number(r.max_app_connections),
  maxMessagesPerDay: Number(r.max_messages_per_day),
  createdAt: r.created_at,
});
const toToken = (r: TokenRow): ApiToken & { accountId: string } => ({
  id: r.id,
  accountId: r.account_id,
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

const ACCOUNT_COLUMNS = "id, email, name, password_hash, is_admin, plan_id, created_at";
const PLAN_COLUMNS = "id, name, max_apps, max_connections, max_app_connections, max_messages_per_day, created_at";

/** Every account's plan id, the admins and every plan: what PlanQuotas keeps in memory per node. */
export interface PlanSnapshot {
  planOfAccount: Map<string, string>;
  admins: Set<string>;
  plans: Map<string, Plan>;
}

export class AccountStore {
  constructor(readonly db: Db) {}

  /** Runs `fn` in one transaction with a store bound to it; rolls back when it throws. */
  transaction<T>(fn: (store: AccountStore) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new AccountStore(tx)));
  }

  // Accounts
  async account(id: string): Promise<StoredAccount | undefined> {
    const row = await this.db.get<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ?`, [id]);
    return row === undefined ? undefined : toAccount(row);
  }
  async accountByEmail(email: string): Promise<StoredAccount | undefined> {
    const row = await this.db.get<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE email = ?`, [email.trim().toLowerCase()]);
    return row === undefined ? undefined : toAccount(row);
  }
  async accounts(limit: number, offset: number): Promise<{ items: StoredAccount[]; total: number }> {
    const rows = await this.db.all<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY created_at, id LIMIT ? OFFSET ?`, [limit, offset]);
    return { items: rows.map(toAccount), total: await this.count("accounts") };
  }
  async insertAccount(a: StoredAccount): Promise<void> {
    await this.db.run(
      "INSERT INTO accounts (id, email, name, password_hash, is_admin, plan_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [a.id, a.email.toLowerCase(), a.name, a.passwordHash, a.isAdmin ? 1 : 0, a.planId, a.createdAt],
    );
  }
  async updateAccount(a: StoredAccount): Promise<void> {
    await this.db.run("UPDATE accounts SET name = ?, password_hash = ?, is_admin = ?, plan_id = ? WHERE id = ?", [
      a.name,
      a.passwordHash,
      a.isAdmin ? 1 : 0,
      a.planId,
      a.id,
    ]);
  }
  async appIdsOf(accountId: string): Promise<string[]> {
    return (await this.db.all<{ id: string }>("SELECT id FROM apps WHERE account_id = ? ORDER BY id", [accountId])).map((r) => r.id);
  }
  async deleteAccount(id: string): Promise<void> {
    await this.db.run("DELETE FROM accounts WHERE id = ?", [id]);
  }
  async count(table: "accounts" | "plans"): Promise<number> {
    return Number((await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n);
  }
  /**
   * The admins' ids. With `lock`, inside a transaction, PostgreSQL locks their rows (FOR UPDATE), so
   * two admins demoting each other at once cannot both see a second admin; SQLite's write transaction
   * already runs alone.
   */
  async adminIds(options: { lock?: boolean } = {}): Promise<string[]> {
    const lock = options.lock && this.db.dialect === "postgres" ? " FOR UPDATE" : "";
    return (await this.db.all<{ id: string }>(`SELECT id FROM accounts WHERE is_admin = 1 ORDER BY id${lock}`)).map((r) => r.id);
  }
  async planSnapshot(): Promise<PlanSnapshot> {
    const accounts = await this.db.all<{ id: string; plan_id: string; is_admin: number }>("SELECT id, plan_id, is_admin FROM accounts");
    const plans = await this.plans();
    return {
      planOfAccount: new Map(accounts.map((a) => [a.id, a.plan_id])),
      admins: new Set(accounts.filter((a) => Number(a.is_admin) === 1).map((a) => a.id)),
      plans: new Map(plans.map((p) => [p.id, p])),
    };
  }

  // Plans
  async plan(id: string): Promise<Plan | undefined> {
    const row = await this.db.get<PlanRow>(`SELECT ${PLAN_COLUMNS} FROM plans WHERE id = ?`, [id]);
    return row === undefined ? undefined : toPlan(row);
  }
  /** Smallest first; unlimited (max_apps 0) last. */
  async plans(): Promise<Plan[]> {
    const rows = await this.db.all<PlanRow>(`SELECT ${PLAN_COLUMNS} FROM plans ORDER BY CASE WHEN max_apps = 0 THEN 1 ELSE 0 END, max_apps, id`);
    return rows.map(toPlan);
  }
  /** A new plan; a plan with this id already there fails as a unique violation (isUniqueViolation). */
  async insertPlan(p: Plan): Promise<void> {
    await this.db.run(
      `INSERT INTO plans (${PLAN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [p.id, p.name, p.maxApps, p.maxConnections, p.maxAppConnections, p.maxMessagesPerDay, p.createdAt],
    );
  }
  /** Answers whether the plan was there to update. */
  async updatePlan(p: Plan): Promise<boolean> {
    const changed = await this.db.run(
      "UPDATE plans SET name = ?, max_apps = ?, max_connections = ?, max_app_connections = ?, max_messages_per_day = ? WHERE id = ?",
      [p.name, p.maxApps, p.maxConnections, p.maxAppConnections, p.maxMessagesPerDay, p.id],
    );
    return changed > 0;
  }
  async deletePlan(id: string): Promise<void> {
    await this.db.run("DELETE FROM plans WHERE id = ?", [id]);
  }
  async planInUse(id: string): Promise<boolean> {
    return (await this.db.get("SELECT 1 AS used FROM accounts WHERE plan_id = ? LIMIT 1", [id])) !== undefined;
  }

  // Sessions
  async insertSession(hash: string, accountId: string, csrf: string, createdAt: string, expiresAt: string): Promise<void> {
    await this.db.run("INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)", [
      hash,
      accountId,
      csrf,
      createdAt,
      expiresAt,
    ]);
  }
  async session(hash: string): Promise<{ accountId: string; csrf: string; expiresAt: string } | undefined> {
    const row = await this.db.get<{ account_id: string; csrf_token: string; expires_at: string }>(
      "SELECT account_id, csrf_token, expires_at FROM sessions WHERE token_hash = ?",
      [hash],
    );
    return row === undefined ? undefined : { accountId: row.account_id, csrf: row.csrf_token, expiresAt: row.expires_at };
  }
  async deleteSession(hash: string): Promise<void> {
    await this.db.run("DELETE FROM sessions WHERE token_hash = ?", [hash]);
  }
  /** Signs an account out everywhere (after a password change). */
  async deleteSessionsOf(accountId: string): Promise<void> {
    await this.db.run("DELETE FROM sessions WHERE account_id = ?", [accountId]);
  }
  async deleteExpiredSessions(now: string): Promise<void> {
    await this.db.run("DELETE FROM sessions WHERE expires_at <= ?", [now]);
  }

  // API tokens
  async insertToken(t: { id: string; accountId: string; name: string; hash: string; createdAt: string }): Promise<void> {
    await this.db.run("INSERT INTO api_tokens (id, account_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)", [
      t.id,
      t.accountId,
      t.name,
      t.hash,
      t.createdAt,
    ]);
  }
  async tokens(accountId: string): Promise<ApiToken[]> {
    const rows = await this.db.all<TokenRow>(
      "SELECT id, account_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE account_id = ? ORDER BY created_at, id",
      [accountId],
    );
    return rows.map((r) => {
      const { accountId: _, ...token } = toToken(r);
      return token;
    });
  }
  async tokenByHash(hash: string): Promise<(ApiToken & { accountId: string }) | undefined> {
    const row = await this.db.get<TokenRow>(
      "SELECT id, account_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE token_hash = ?",
      [hash],
    );
    return row === undefined ? undefined : toToken(row);
  }
  async touchToken(id: string, at: string): Promise<void> {
    await this.db.run("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [at, id]);
  }
  async revokeToken(accountId: string, id: string, at: string): Promise<boolean> {
    const changed = await this.db.run("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL", [at, id, accountId]);
    return changed > 0;
  }

  // Operator settings
  async setting(name: string): Promise<string | undefined> {
    return (await this.db.get<{ value: string }>("SELECT value FROM settings WHERE name = ?", [name]))?.value;
  }
  async setSetting(name: string, value: string | undefined): Promise<void> {
    if (value === undefined) await this.db.run("DELETE FROM settings WHERE name = ?", [name]);
    else await this.db.run("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", [name, value]);
  }
  /**
   * Removes a setting only while it still has `value`; answers whether it did. On PostgreSQL a second
   * transaction doing the same waits for the first's row lock, then finds nothing: single use.
   */
  async takeSetting(name: string, value: string): Promise<boolean> {
    return (await this.db.run("DELETE FROM settings WHERE name = ? AND value = ?", [name, value])) > 0;
  }
}

/** A FOREIGN KEY constraint refused a write: SQLSTATE 23503 from PostgreSQL, SQLITE_CONSTRAINT_FOREIGNKEY from bun:sqlite. */
export function isForeignKeyViolation(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { code, errno } = err as Error & { code?: unknown; errno?: unknown };
  return errno === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY";
}
