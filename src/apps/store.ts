/**
 * Apps and their key pairs, on the store port (SQLite or PostgreSQL, one SQL text for both). An app's
 * toggles and limits live in one JSON column (`settings`) rather than a column each: every name comes
 * from the settings tables (TOGGLES, LIMITS in src/engine/app.ts), so a new setting is declared there and nowhere else, with
 * no migration, and an app stored before the setting existed reads its declared default. Toggles are
 * stored explicitly; limits only where they differ from the defaults, so a later change of a default
 * reaches every app that never set that limit.
 *
 * `revision` grows globally: every change gives the app one more than the largest revision of any
 * app, so a watcher (watcher.ts) notices any create or change by one number, MAX(revision). Deletes
 * show in COUNT(*) and in retired_keys (the database triggers reserve a deleted app's keys there).
 * Keys reserved after delete and rename are the triggers' work, not this class's.
 */
import type { Db } from "../store/db";
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

export interface AppRow {
  id: string;
  account_id: string | null;
  name: string;
  cluster: string;
  settings: string;
  created_at: string;
  updated_at: string;
}

export interface KeyRow {
  key: string;
  app_id: string;
  secret: string;
  created_at: string;
}

/** What the watcher compares between two polls: any committed app change moves one of the three. */
export interface ChangeMark {
  apps: number;
  revision: number;
  retired: number;
}

/** What the `settings` column holds. */
type StoredSettings = Partial<AppToggles> & { limits?: Partial<AppLimits> };

/** The declared names only: a value stored by a setting that was later removed is not revived. */
function pick<T extends object>(names: readonly (keyof T)[], defaults: T, stored: Partial<T> | undefined): T {
  const out = { ...defaults };
  for (const name of names) if (stored?.[name] !== undefined) out[name] = stored[name]!;
  return out;
}

export function rowToApp(row: AppRow, keys: AppKey[]): App {
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

export const toKey = (k: KeyRow): AppKey => ({ key: k.key, secret: k.secret, createdAt: k.created_at });

/**
 * The queries the cache's synchronous SQLite look-up (peek.ts) shares with this class. The oldest
 * active pair comes first (the primary); AppService gives a new pair a later created_at than the
 * app's others, so the key only orders pairs restored with equal times.
 */
export const SQL = {
  appById: "SELECT * FROM apps WHERE id = ?",
  activeKeysOf: "SELECT * FROM app_keys WHERE revoked_at IS NULL AND app_id = ? ORDER BY created_at, key",
  activeKey: "SELECT * FROM app_keys WHERE revoked_at IS NULL AND key = ?",
} as const;

const NEXT_REVISION = "(SELECT COALESCE(MAX(revision), 0) + 1 FROM apps)";

export class AppStore {
  constructor(private readonly db: Db) {}

  async byId(id: string): Promise<App | undefined> {
    const row = await this.db.get<AppRow>(SQL.appById, [id]);
    if (row === undefined) return undefined;
    return rowToApp(row, (await this.db.all<KeyRow>(SQL.activeKeysOf, [id])).map(toKey));
  }

  /** By any active key. */
  async byKey(key: string): Promise<App | undefined> {
    const hit = await this.db.get<KeyRow>(SQL.activeKey, [key]);
    return hit === undefined ? undefined : this.byId(hit.app_id);
  }

  /** Whether any app ever used this key: revoked, renamed and deleted apps' keys stay reserved. */
  async keyTaken(key: string): Promise<boolean> {
    const row = await this.db.get(
      "SELECT 1 AS taken FROM app_keys WHERE key = ? UNION ALL SELECT 1 AS taken FROM retired_keys WHERE key = ?",
      [key, key],
    );
    return row !== undefined;
  }

  /** Every app, or one account's, oldest first. */
  async list(accountId?: string): Promise<App[]> {
    const rows =
      accountId === undefined
        ? await this.db.all<AppRow>("SELECT * FROM apps ORDER BY created_at, id")
        : await this.db.all<AppRow>("SELECT * FROM apps WHERE account_id = ? ORDER BY created_at, id", [accountId]);
    const keyRows =
      accountId === undefined
        ? await this.db.all<KeyRow>("SELECT * FROM app_keys WHERE revoked_at IS NULL ORDER BY created_at, key")
        : await this.db.all<KeyRow>(
            `SELECT k.* FROM app_keys k JOIN apps a ON a.id = k.app_id
             WHERE k.revoked_at IS NULL AND a.account_id = ? ORDER BY k.created_at, k.key`,
            [accountId],
          );
    const keys = new Map<string, AppKey[]>();
    for (const k of keyRows) {
      let list = keys.get(k.app_id);
      if (list === undefined) keys.set(k.app_id, (list = []));
      list.push(toKey(k));
    }
    return rows.map((row) => rowToApp(row, keys.get(row.id) ?? []));
  }

  async countFor(accountId: string): Promise<number> {
    return (await this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM apps WHERE account_id = ?", [accountId]))!.n;
  }

  insert(app: App): Promise<void> {
    return this.db.transaction(async (tx) => {
      await serializeRevisions(tx);
      await tx.run(
        `INSERT INTO apps (id, account_id, name, cluster, settings, created_at, updated_at, revision)
         VALUES (?, ?, ?, ?, ?, ?, ?, ${NEXT_REVISION})`,
        [app.id, app.accountId, app.name, app.cluster, settingsOf(app), app.createdAt, app.updatedAt],
      );
      for (const pair of app.keys) {
        await tx.run("INSERT INTO app_keys (key, app_id, secret, created_at) VALUES (?, ?, ?, ?)", [pair.key, app.id, pair.secret, pair.createdAt]);
      }
    });
  }

  /** Updates settings (not keys: those change through addKey/revokeKey) and bumps the revision. */
  update(app: App): Promise<void> {
    return this.db.transaction(async (tx) => {
      await serializeRevisions(tx);
      await tx.run(
        `UPDATE apps SET name = ?, cluster = ?, settings = ?, updated_at = ?, account_id = ?, created_at = ?,
           revision = ${NEXT_REVISION}
         WHERE id = ?`,
        [app.name, app.cluster, settingsOf(app), app.updatedAt, app.accountId, app.createdAt, app.id],
      );
    });
  }

  addKey(appId: string, pair: AppKey): Promise<void> {
    return this.changeKeys(appId, "INSERT INTO app_keys (key, app_id, secret, created_at) VALUES (?, ?, ?, ?)", [
      pair.key,
      appId,
      pair.secret,
      pair.createdAt,
    ]).then(() => undefined);
  }

  async revokeKey(appId: string, key: string, at: string): Promise<boolean> {
    const changed = await this.changeKeys(appId, "UPDATE app_keys SET revoked_at = ? WHERE app_id = ? AND key = ? AND revoked_at IS NULL", [
      at,
      appId,
      key,
    ]);
    return changed > 0;
  }

  /** Replaces a key's secret (the CLI's --secret on update). */
  async setSecret(appId: string, key: string, secret: string): Promise<void> {
    await this.changeKeys(appId, "UPDATE app_keys SET secret = ? WHERE app_id = ? AND key = ?", [secret, appId, key]);
  }

  /** Renames a key in place (the CLI's --key on update, for soketi migrations); the old key is retired by a trigger. */
  async renameKey(appId: string, from: string, to: string): Promise<void> {
    await this.changeKeys(appId, "UPDATE app_keys SET key = ? WHERE app_id = ? AND key = ?", [to, appId, from]);
  }

  /** Deletes an app with its keys (cascade; the triggers reserve the keys in retired_keys). */
  delete(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await serializeRevisions(tx);
      return (await tx.run("DELETE FROM apps WHERE id = ?", [id])) > 0;
    });
  }

  /** id → revision, for change detection across processes and hosts. */
  async revisions(): Promise<Map<string, number>> {
    const rows = await this.db.all<{ id: string; revision: number }>("SELECT id, revision FROM apps");
    return new Map(rows.map((r) => [r.id, Number(r.revision)]));
  }

  /** One cheap row that moves on every committed change of apps or keys (see the header). */
  async changeMark(): Promise<ChangeMark> {
    const row = await this.db.get<{ n: number; r: number | null; k: number }>(
      "SELECT (SELECT COUNT(*) FROM apps) AS n, (SELECT MAX(revision) FROM apps) AS r, (SELECT COUNT(*) FROM retired_keys) AS k",
    );
    return { apps: Number(row!.n), revision: Number(row!.r ?? 0), retired: Number(row!.k) };
  }

  /** Runs `fn` in one transaction with a store bound to it. */
  transaction<T>(fn: (store: AppStore) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new AppStore(tx)));
  }

  /**
   * Inside a transaction, before checks that a write depends on (an account's app count, a free id
   * or key): app writers then take turns on PostgreSQL too, so parallel creates cannot all pass a
   * plan's cap or all take one id. SQLite's writers take turns already.
   */
  lockForWrite(): Promise<void> {
    return serializeRevisions(this.db);
  }

  /** A key change and the app's revision bump, together; answers the rows the key statement changed. */
  private changeKeys(appId: string, sql: string, params: (string | null)[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      await serializeRevisions(tx);
      const changed = await tx.run(sql, params);
      if (changed > 0) await tx.run(`UPDATE apps SET revision = ${NEXT_REVISION} WHERE id = ?`, [appId]);
      return changed;
    });
  }
}

/**
 * PostgreSQL runs concurrent transactions side by side: two of them computing MAX(revision) + 1
 * would give two apps the same revision, and a watcher that saw the first would miss the second.
 * This lock (held to the end of the transaction; plain reads still pass) makes revision writers take
 * turns, so revisions become visible in increasing order. SQLite writers already take turns.
 */
async function serializeRevisions(tx: Db): Promise<void> {
  if (tx.dialect === "postgres") await tx.run("LOCK TABLE apps IN SHARE ROW EXCLUSIVE MODE");
}
