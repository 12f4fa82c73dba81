/**
 * Apps and their key pairs in SQLite. Rows store only the limits that differ from the defaults, so a
 * later change of a default reaches every app that never set that limit.
 */
import type { Database } from "bun:sqlite";
import { DEFAULT_LIMITS, type App, type AppKey, type AppLimits } from "../engine/app";

interface AppRow {
  id: string;
  account_id: string | null;
  name: string;
  cluster: string;
  enabled: number;
  client_events: number;
  user_auth: number;
  subscription_count: number;
  watchlist_events: number;
  lenient_event_names: number;
  limits: string;
  created_at: string;
  updated_at: string;
}

interface KeyRow {
  key: string;
  app_id: string;
  secret: string;
  created_at: string;
}

function rowToApp(row: AppRow, keys: AppKey[]): App {
  return {
    id: row.id,
    key: keys[0]?.key ?? "",
    secret: keys[0]?.secret ?? "",
    keys,
    accountId: row.account_id,
    name: row.name,
    cluster: row.cluster,
    enabled: row.enabled === 1,
    clientEvents: row.client_events === 1,
    userAuth: row.user_auth === 1,
    subscriptionCount: row.subscription_count === 1,
    watchlistEvents: row.watchlist_events === 1,
    lenientEventNames: row.lenient_event_names === 1,
    limits: { ...DEFAULT_LIMITS, ...(JSON.parse(row.limits) as Partial<AppLimits>) },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const toKey = (k: KeyRow): AppKey => ({ key: k.key, secret: k.secret, createdAt: k.created_at });

function limitOverrides(limits: AppLimits): string {
  const overrides: Partial<AppLimits> = {};
  for (const name of Object.keys(DEFAULT_LIMITS) as (keyof AppLimits)[]) {
    if (limits[name] !== DEFAULT_LIMITS[name]) overrides[name] = limits[name];
  }
  return JSON.stringify(overrides);
}

function params(app: App) {
  return {
    id: app.id,
    account_id: app.accountId,
    name: app.name,
    cluster: app.cluster,
    enabled: app.enabled ? 1 : 0,
    client_events: app.clientEvents ? 1 : 0,
    user_auth: app.userAuth ? 1 : 0,
    subscription_count: app.subscriptionCount ? 1 : 0,
    watchlist_events: app.watchlistEvents ? 1 : 0,
    lenient_event_names: app.lenientEventNames ? 1 : 0,
    limits: limitOverrides(app.limits),
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

const ACTIVE_KEYS = "SELECT * FROM app_keys WHERE revoked_at IS NULL";

export class SqliteAppStore {
  constructor(private readonly db: Database) {}

  private keysOf(id: string): AppKey[] {
    return (this.db.query(`${ACTIVE_KEYS} AND app_id = ? ORDER BY created_at, rowid`).all(id) as KeyRow[]).map(toKey);
  }

  byId(id: string): App | undefined {
    const row = this.db.query("SELECT * FROM apps WHERE id = ?").get(id) as AppRow | null;
    return row === null ? undefined : rowToApp(row, this.keysOf(row.id));
  }

  /** By any active key. */
  byKey(key: string): App | undefined {
    const hit = this.db.query(`${ACTIVE_KEYS} AND key = ?`).get(key) as KeyRow | null;
    return hit === null ? undefined : this.byId(hit.app_id);
  }

  /** Whether any app ever used this key: revoked, renamed and deleted apps' keys stay reserved. */
  keyTaken(key: string): boolean {
    return (
      this.db.query("SELECT 1 FROM app_keys WHERE key = ?").get(key) !== null ||
      this.db.query("SELECT 1 FROM retired_keys WHERE key = ?").get(key) !== null
    );
  }

  list(accountId?: string): App[] {
    const rows = (
      accountId === undefined
        ? this.db.query("SELECT * FROM apps ORDER BY created_at, id").all()
        : this.db.query("SELECT * FROM apps WHERE account_id = ? ORDER BY created_at, id").all(accountId)
    ) as AppRow[];
    const keys = new Map<string, AppKey[]>();
    for (const k of this.db.query(`${ACTIVE_KEYS} ORDER BY created_at, rowid`).all() as KeyRow[]) {
      keys.set(k.app_id, [...(keys.get(k.app_id) ?? []), toKey(k)]);
    }
    return rows.map((row) => rowToApp(row, keys.get(row.id) ?? []));
  }

  countFor(accountId: string): number {
    return (this.db.query("SELECT COUNT(*) AS n FROM apps WHERE account_id = ?").get(accountId) as { n: number }).n;
  }

  insert(app: App): void {
    this.db
      .query(
        `INSERT INTO apps (id, account_id, name, cluster, enabled, client_events, user_auth, subscription_count,
           watchlist_events, lenient_event_names, limits, created_at, updated_at)
         VALUES ($id, $account_id, $name, $cluster, $enabled, $client_events, $user_auth, $subscription_count,
           $watchlist_events, $lenient_event_names, $limits, $created_at, $updated_at)`,
      )
      .run(params(app));
    for (const pair of app.keys) this.addKey(app.id, pair);
  }

  /** Updates settings (not keys: those change through addKey/revokeKey) and bumps the revision. */
  update(app: App): void {
    this.db
      .query(
        `UPDATE apps SET name = $name, cluster = $cluster, enabled = $enabled, client_events = $client_events,
           user_auth = $user_auth, subscription_count = $subscription_count, watchlist_events = $watchlist_events,
           lenient_event_names = $lenient_event_names, limits = $limits, updated_at = $updated_at,
           account_id = $account_id, created_at = $created_at, revision = revision + 1
         WHERE id = $id`,
      )
      .run(params(app));
  }

  addKey(appId: string, pair: AppKey): void {
    this.db
      .query("INSERT INTO app_keys (key, app_id, secret, created_at) VALUES (?, ?, ?, ?)")
      .run(pair.key, appId, pair.secret, pair.createdAt);
    this.touch(appId);
  }

  revokeKey(appId: string, key: string, at: string): boolean {
    const changed = this.db
      .query("UPDATE app_keys SET revoked_at = ? WHERE app_id = ? AND key = ? AND revoked_at IS NULL")
      .run(at, appId, key).changes;
    if (changed > 0) this.touch(appId);
    return changed > 0;
  }

  /** Replaces a key's secret (the CLI's --secret on update). */
  setSecret(appId: string, key: string, secret: string): void {
    this.db.query("UPDATE app_keys SET secret = ? WHERE app_id = ? AND key = ?").run(secret, appId, key);
    this.touch(appId);
  }

  /** Renames a key in place (the CLI's --key on update, for soketi migrations). */
  renameKey(appId: string, from: string, to: string): void {
    this.db.query("UPDATE app_keys SET key = ? WHERE app_id = ? AND key = ?").run(to, appId, from);
    this.touch(appId);
  }

  delete(id: string): boolean {
    return this.db.query("DELETE FROM apps WHERE id = ?").run(id).changes > 0;
  }

  /** id → revision, for change detection across processes. */
  revisions(): Map<string, number> {
    const rows = this.db.query("SELECT id, revision FROM apps").all() as { id: string; revision: number }[];
    return new Map(rows.map((r) => [r.id, r.revision]));
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private touch(appId: string): void {
    this.db.query("UPDATE apps SET revision = revision + 1 WHERE id = ?").run(appId);
  }
}
