/**
 * Apps in SQLite. Rows store only the limits that differ from the defaults, so a later change of a
 * default reaches every app that never set that limit.
 */
import type { Database } from "bun:sqlite";
import { DEFAULT_LIMITS, type App, type AppLimits } from "../engine/app";

interface AppRow {
  id: string;
  key: string;
  secret: string;
  name: string;
  cluster: string;
  enabled: number;
  client_events: number;
  user_auth: number;
  subscription_count: number;
  lenient_event_names: number;
  watchlist_events: number;
  limits: string;
  revision: number;
  created_at: string;
  updated_at: string;
}

export function rowToApp(row: AppRow): App {
  return {
    id: row.id,
    key: row.key,
    secret: row.secret,
    name: row.name,
    cluster: row.cluster,
    enabled: row.enabled === 1,
    clientEvents: row.client_events === 1,
    userAuth: row.user_auth === 1,
    subscriptionCount: row.subscription_count === 1,
    lenientEventNames: row.lenient_event_names === 1,
    watchlistEvents: row.watchlist_events === 1,
    limits: { ...DEFAULT_LIMITS, ...(JSON.parse(row.limits) as Partial<AppLimits>) },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

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
    key: app.key,
    secret: app.secret,
    name: app.name,
    cluster: app.cluster,
    enabled: app.enabled ? 1 : 0,
    client_events: app.clientEvents ? 1 : 0,
    user_auth: app.userAuth ? 1 : 0,
    subscription_count: app.subscriptionCount ? 1 : 0,
    lenient_event_names: app.lenientEventNames ? 1 : 0,
    watchlist_events: app.watchlistEvents ? 1 : 0,
    limits: limitOverrides(app.limits),
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

export class SqliteAppStore {
  constructor(private readonly db: Database) {}

  byId(id: string): App | undefined {
    const row = this.db.query("SELECT * FROM apps WHERE id = ?").get(id) as AppRow | null;
    return row === null ? undefined : rowToApp(row);
  }

  byKey(key: string): App | undefined {
    const row = this.db.query("SELECT * FROM apps WHERE key = ?").get(key) as AppRow | null;
    return row === null ? undefined : rowToApp(row);
  }

  list(): App[] {
    return (this.db.query("SELECT * FROM apps ORDER BY created_at, id").all() as AppRow[]).map(rowToApp);
  }

  count(): number {
    return (this.db.query("SELECT COUNT(*) AS n FROM apps").get() as { n: number }).n;
  }

  /** Inserts, failing on a duplicate id or key (the caller checks first inside the same transaction). */
  insert(app: App): void {
    this.db
      .query(
        `INSERT INTO apps (id, key, secret, name, cluster, enabled, client_events, user_auth, subscription_count,
           lenient_event_names, watchlist_events, limits, created_at, updated_at)
         VALUES ($id, $key, $secret, $name, $cluster, $enabled, $client_events, $user_auth, $subscription_count,
           $lenient_event_names, $watchlist_events, $limits, $created_at, $updated_at)`,
      )
      .run(params(app));
  }

  update(app: App): void {
    this.db
      .query(
        `UPDATE apps SET key = $key, secret = $secret, name = $name, cluster = $cluster, enabled = $enabled,
           client_events = $client_events, user_auth = $user_auth, subscription_count = $subscription_count,
           lenient_event_names = $lenient_event_names, watchlist_events = $watchlist_events, limits = $limits, updated_at = $updated_at,
           revision = revision + 1, created_at = $created_at
         WHERE id = $id`,
      )
      .run(params(app));
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
}
