/** Webhook endpoints in SQLite (migrations/0004_webhooks.sql). Validation is the service's job. */
import type { Database } from "bun:sqlite";
import type { WebhookEndpoint, WebhookEventType } from "./schema";

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
    enabled: row.enabled === 1,
    batch: row.batch === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function params(e: WebhookEndpoint) {
  return {
    id: e.id,
    app_id: e.appId,
    url: e.url,
    events: JSON.stringify(e.events),
    enabled: e.enabled ? 1 : 0,
    batch: e.batch ? 1 : 0,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
  };
}

export class SqliteEndpointStore {
  constructor(private readonly db: Database) {}

  byId(id: string): WebhookEndpoint | undefined {
    const row = this.db.query("SELECT * FROM webhook_endpoints WHERE id = ?").get(id) as EndpointRow | null;
    return row === null ? undefined : rowToEndpoint(row);
  }

  forApp(appId: string): WebhookEndpoint[] {
    const rows = this.db.query("SELECT * FROM webhook_endpoints WHERE app_id = ? ORDER BY created_at, id").all(appId) as EndpointRow[];
    return rows.map(rowToEndpoint);
  }

  all(): WebhookEndpoint[] {
    return (this.db.query("SELECT * FROM webhook_endpoints ORDER BY created_at, id").all() as EndpointRow[]).map(rowToEndpoint);
  }

  insert(e: WebhookEndpoint): void {
    this.db
      .query(
        `INSERT INTO webhook_endpoints (id, app_id, url, events, enabled, batch, created_at, updated_at)
         VALUES ($id, $app_id, $url, $events, $enabled, $batch, $created_at, $updated_at)`,
      )
      .run(params(e));
  }

  update(e: WebhookEndpoint): void {
    this.db
      .query(
        `UPDATE webhook_endpoints SET url = $url, events = $events, enabled = $enabled, batch = $batch,
           updated_at = $updated_at WHERE id = $id AND app_id = $app_id AND created_at = $created_at`,
      )
      .run(params(e));
  }

  /** Deletes the endpoint; its outbox rows go with it (ON DELETE CASCADE), its log entries stay. */
  delete(id: string): boolean {
    return this.db.query("DELETE FROM webhook_endpoints WHERE id = ?").run(id).changes > 0;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
