/** Accounts, plans, sessions, API tokens and operator settings in SQLite. */
import type { Database } from "bun:sqlite";
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
  isAdmin: r.is_admin === 1,
  planId: r.plan_id,
  createdAt: r.created_at,
  passwordHash: r.password_hash,
});
const toPlan = (r: PlanRow): Plan => ({
  id: r.id,
  name: r.name,
  maxApps: r.max_apps,
  maxConnections: r.max_connections,
  maxAppConnections: r.max_app_connections,
  maxMessagesPerDay: r.max_messages_per_day,
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

export class SqliteAccountStore {
  constructor(readonly db: Database) {}

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // Accounts
  account(id: string): StoredAccount | undefined {
    const row = this.db.query("SELECT * FROM accounts WHERE id = ?").get(id) as AccountRow | null;
    return row === null ? undefined : toAccount(row);
  }
  accountByEmail(email: string): StoredAccount | undefined {
    const row = this.db.query("SELECT * FROM accounts WHERE email = ?").get(email) as AccountRow | null;
    return row === null ? undefined : toAccount(row);
  }
  accounts(limit: number, offset: number): { items: StoredAccount[]; total: number } {
    const rows = this.db.query("SELECT * FROM accounts ORDER BY created_at, id LIMIT ? OFFSET ?").all(limit, offset) as AccountRow[];
    return { items: rows.map(toAccount), total: this.count("accounts") };
  }
  insertAccount(a: StoredAccount): void {
    this.db
      .query("INSERT INTO accounts (id, email, name, password_hash, is_admin, plan_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(a.id, a.email, a.name, a.passwordHash, a.isAdmin ? 1 : 0, a.planId, a.createdAt);
  }
  updateAccount(a: StoredAccount): void {
    this.db
      .query("UPDATE accounts SET name = ?, password_hash = ?, is_admin = ?, plan_id = ? WHERE id = ?")
      .run(a.name, a.passwordHash, a.isAdmin ? 1 : 0, a.planId, a.id);
  }
  appIdsOf(accountId: string): string[] {
    return (this.db.query("SELECT id FROM apps WHERE account_id = ?").all(accountId) as { id: string }[]).map((r) => r.id);
  }
  deleteAccount(id: string): void {
    this.db.query("DELETE FROM accounts WHERE id = ?").run(id);
  }
  count(table: "accounts" | "plans"): number {
    return (this.db.query(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  }
  adminCount(): number {
    return (this.db.query("SELECT COUNT(*) AS n FROM accounts WHERE is_admin = 1").get() as { n: number }).n;
  }

  // Plans
  plan(id: string): Plan | undefined {
    const row = this.db.query("SELECT * FROM plans WHERE id = ?").get(id) as PlanRow | null;
    return row === null ? undefined : toPlan(row);
  }
  plans(): Plan[] {
    return (this.db.query("SELECT * FROM plans ORDER BY max_apps = 0, max_apps, id").all() as PlanRow[]).map(toPlan);
  }
  savePlan(p: Plan): void {
    this.db
      .query(
        `INSERT INTO plans (id, name, max_apps, max_connections, max_app_connections, max_messages_per_day, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, max_apps = excluded.max_apps,
           max_connections = excluded.max_connections, max_app_connections = excluded.max_app_connections,
           max_messages_per_day = excluded.max_messages_per_day`,
      )
      .run(p.id, p.name, p.maxApps, p.maxConnections, p.maxAppConnections, p.maxMessagesPerDay, p.createdAt);
  }
  deletePlan(id: string): void {
    this.db.query("DELETE FROM plans WHERE id = ?").run(id);
  }
  planInUse(id: string): boolean {
    return this.db.query("SELECT 1 FROM accounts WHERE plan_id = ? LIMIT 1").get(id) !== null;
  }

  // Sessions
  insertSession(hash: string, accountId: string, csrf: string, createdAt: string, expiresAt: string): void {
    this.db
      .query("INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
      .run(hash, accountId, csrf, createdAt, expiresAt);
  }
  session(hash: string): { accountId: string; csrf: string; expiresAt: string } | undefined {
    const row = this.db.query("SELECT account_id, csrf_token, expires_at FROM sessions WHERE token_hash = ?").get(hash) as
      | { account_id: string; csrf_token: string; expires_at: string }
      | null;
    return row === null ? undefined : { accountId: row.account_id, csrf: row.csrf_token, expiresAt: row.expires_at };
  }
  deleteSession(hash: string): void {
    this.db.query("DELETE FROM sessions WHERE token_hash = ?").run(hash);
  }
  /** Signs an account out everywhere (after a password change). */
  deleteSessionsOf(accountId: string): void {
    this.db.query("DELETE FROM sessions WHERE account_id = ?").run(accountId);
  }
  deleteExpiredSessions(now: string): void {
    this.db.query("DELETE FROM sessions WHERE expires_at <= ?").run(now);
  }

  // API tokens
  insertToken(t: { id: string; accountId: string; name: string; hash: string; createdAt: string }): void {
    this.db
      .query("INSERT INTO api_tokens (id, account_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)")
      .run(t.id, t.accountId, t.name, t.hash, t.createdAt);
  }
  tokens(accountId: string): ApiToken[] {
    const rows = this.db.query("SELECT * FROM api_tokens WHERE account_id = ? ORDER BY created_at").all(accountId) as TokenRow[];
    return rows.map((r) => {
      const { accountId: _, ...token } = toToken(r);
      return token;
    });
  }
  tokenByHash(hash: string): (ApiToken & { accountId: string }) | undefined {
    const row = this.db.query("SELECT * FROM api_tokens WHERE token_hash = ?").get(hash) as TokenRow | null;
    return row === null ? undefined : toToken(row);
  }
  touchToken(id: string, at: string): void {
    this.db.query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").run(at, id);
  }
  revokeToken(accountId: string, id: string, at: string): boolean {
    return (
      this.db.query("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL").run(at, id, accountId)
        .changes > 0
    );
  }

  // Operator settings
  setting(name: string): string | undefined {
    const row = this.db.query("SELECT value FROM settings WHERE name = ?").get(name) as { value: string } | null;
    return row?.value;
  }
  setSetting(name: string, value: string | undefined): void {
    if (value === undefined) this.db.query("DELETE FROM settings WHERE name = ?").run(name);
    else this.db.query("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(name, value);
  }
}
