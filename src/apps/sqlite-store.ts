/**
 * Apps and their key pairs in SQLite. An app's toggles and limits live in one JSON column (`settings`)
 * rather than a column each: every name comes from the App schema (src/engine/app.ts), so a new
 * setting is declared there and nowhere else, with no migration, and an app stored before the setting
 * existed reads its declared default. Toggles are stored explicitly; limits only where they differ from
 * the defaults, so a later change of a default reaches every app that never set that limit.
 */
import type { Database } from "bun:sqlite";
import {
  DEFAULT_LIMITS,
  DEFAULT_TOGGLES,
  LIMIT_NAMES,
  TOGGLE_NAMES,
  type App,
  type AppKey,
  type AppLimits,
  type AppToggles,
} from "../engine/app";

interface AppRow {
  id: string;
  account_id: string | null;
  name: string;
  cluster: string;
  settings: string;
  created_at: string;
  updated_at: string;
}

interface KeyRow {
  key: string;
  app_id: string;
  secret: string;
  created_at: string;
}

/** What the `settings` column holds. */
type StoredSettings = Partial<AppToggles> & { limits?: Partial<AppLimits> };

/** The declared names only: a value stored by a setting that was later removed is not revived. */
function pick<T extends object>(names: readonly (keyof T)[], defaults: T, stored: Partial<T> | undefined): T {
  const out = { ...defaults };
  for (const name of names) if (stored?.[name] !== undefined) out[name] = stored[name]!;
  return out;
}

function rowToApp(row: AppRow, keys: AppKey[]): App {
  const stored = JSON.parse(row.settings) as StoredSettings;
  return {
    id: row.id,
    key: keys[0]?.key ?? "",
    secret: keys[0]?.secret ?? "",
    keys,
    accountId: row.account_id,
    name: row.name,
    cluster: row.cluster,
    ...pick(TOGGLE_NAMES, DEFAULT_TOGGLES, stored),
    limits: pick(LIMIT_NAMES, DEFAULT_LIMITS, stored.limits),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function settingsOf(app: App): string {
  const stored: StoredSettings = { limits: {} };
  for (const name of TOGGLE_NAMES) stored[name] = app[name];
  for (const name of LIMIT_NAMES) if (app.limits[name] !== DEFAULT_LIMITS[name]) stored.limits![name] = app.limits[name];
  return JSON.stringify(stored);
}

function params(app: App) {
  return {
    id: app.id,
    account_id: app.accountId,
    name: app.name,
    cluster: app.cluster,
    settings: settingsOf(app),
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

const toKey = (k: KeyRow): AppKey => ({ key: k.key, secret: k.secret, createdAt: k.created_at });

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
        `INSERT INTO apps (id, account_id, name, cluster, settings, created_at, updated_at)
         VALUES ($id, $account_id, $name, $cluster, $settings, $created_at, $updated_at)`,
      )
      .run(params(app));
    for (const pair of app.keys) this.addKey(app.id, pair);
  }

  /** Updates settings (not keys: those change through addKey/revokeKey) and bumps the revision. */
  update(app: App): void {
    this.db
      .query(
        `UPDATE apps SET name = $name, cluster = $cluster, settings = $settings, updated_at = $updated_at,
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
