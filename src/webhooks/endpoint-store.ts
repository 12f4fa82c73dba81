/**
 * Webhook endpoints (migrations/0004_webhooks.sql) on the store port, the same SQL for SQLite and
 * PostgreSQL. Validation is the service's job. `on(tx)` answers the same store inside a transaction.
 */
import type { Db } from "../store/db";
import type { WebhookEventType } from "./event-types";
import type { WebhookEndpoint } from "./schema";

interface EndpointRow {
  id: string;
  app_id: string;
  url: string;
  events: string;
  enabled: number;
  batch: number;
  created_at: string;
  updated_at: string;
}

function rowToEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    appId: row.app_id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEventType[],
    enabled: Number(row.enabled) === 1,
    batch: Number(row.batch) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class EndpointStore {
  constructor(private readonly db: Db) {}

  on(tx: Db): EndpointStore {
    return new EndpointStore(tx);
  }

  async byId(id: string): Promise<WebhookEndpoint | undefined> {
    const row = await this.db.get<EndpointRow>("SELECT * FROM webhook_endpoints WHERE id = ?", [id]);
    return row === undefined ? undefined : rowToEndpoint(row);
  }

  async forApp(appId: string): Promise<WebhookEndpoint[]> {
    const rows = await this.db.all<EndpointRow>("SELECT * FROM webhook_endpoints WHERE app_id = ? ORDER BY created_at, id", [appId]);
    return rows.map(rowToEndpoint);
  }

  async all(): Promise<WebhookEndpoint[]> {
    return (await this.db.all<EndpointRow>("SELECT * FROM webhook_endpoints ORDER BY created_at, id")).map(rowToEndpoint);
  }

  async insert(e: WebhookEndpoint): Promise<void> {
    await this.db.run(
      `INSERT INTO webhook_endpoints (id, app_id, url, events, enabled, batch, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [e.id, e.appId, e.url, JSON.stringify(e.events), e.enabled ? 1 : 0, e.batch ? 1 : 0, e.createdAt, e.updatedAt],
    );
  }

  async update(e: WebhookEndpoint): Promise<void> {
    await this.db.run(
      `UPDATE webhook_endpoints SET url = ?, events = ?, enabled = ?, batch = ?, updated_at = ?
       WHERE id = ? AND app_id = ? AND created_at = ?`,
      [e.url, JSON.stringify(e.events), e.enabled ? 1 : 0, e.batch ? 1 : 0, e.updatedAt, e.id, e.appId, e.createdAt],
    );
  }

  /** Deletes the endpoint; its outbox rows go with it (ON DELETE CASCADE), its log entries stay. */
  async delete(id: string): Promise<boolean> {
    return (await this.db.run("DELETE FROM webhook_endpoints WHERE id = ?", [id])) > 0;
  }

  /**
   * Inside a transaction, before the checks an add or change depends on (how many endpoints the app
   * has, a URL already used): on PostgreSQL writers of one app's endpoints then take turns, so parallel
   * adds cannot all pass the cap. SQLite's writers take turns already.
   */
  async lockApp(appId: string): Promise<void> {
    if (this.db.dialect === "postgres") await this.db.get("SELECT id FROM apps WHERE id = ? FOR NO KEY UPDATE", [appId]);
  }

  /** Runs `fn` in one transaction; it must use only `tx` (on SQLite, a statement outside it would wait for it). */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }
}
