/**
 * The delivery log: one entry per request attempt (and per test send and per expiry), with the events
 * so that "redeliver" can queue them again. Bounded by age and by a count per app (pruned by the
 * owner of the store, see startWebhooks), so a busy app cannot fill the disk.
 */
import type { Database, Statement } from "bun:sqlite";
import type { DeliveryLogEntry } from "./schema";

export interface NewLogEntry {
  appId: string;
  endpointId: string;
  url: string;
  atMs: number;
  kind: DeliveryLogEntry["kind"];
  outcome: DeliveryLogEntry["outcome"];
  eventTypes: string[];
  eventCount: number;
  attempt: number;
  status: number | null;
  latencyMs: number | null;
  error: string | null;
  /** JSON array of the event objects. */
  events: string;
}

interface LogRow {
  id: number;
  app_id: string;
  endpoint_id: string;
  url: string;
  at_ms: number;
  kind: DeliveryLogEntry["kind"];
  outcome: DeliveryLogEntry["outcome"];
  event_types: string;
  event_count: number;
  attempt: number;
  status: number | null;
  latency_ms: number | null;
  error: string | null;
  events: string;
}

function rowToEntry(row: LogRow): DeliveryLogEntry {
  return {
    id: row.id,
    appId: row.app_id,
    endpointId: row.endpoint_id,
    url: row.url,
    time: new Date(row.at_ms).toISOString(),
    kind: row.kind,
    outcome: row.outcome,
    eventTypes: row.event_types === "" ? [] : row.event_types.split(","),
    eventCount: row.event_count,
    attempt: row.attempt,
    status: row.status,
    latencyMs: row.latency_ms,
    error: row.error,
  };
}

export class SqliteDeliveryLog {
  private readonly insertStmt: Statement;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO webhook_log (app_id, endpoint_id, url, at_ms, kind, outcome, event_types, event_count, attempt,
         status, latency_ms, error, events) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  insert(e: NewLogEntry): number {
    const result = this.insertStmt.run(
      e.appId,
      e.endpointId,
      e.url,
      e.atMs,
      e.kind,
      e.outcome,
      e.eventTypes.join(","),
      e.eventCount,
      e.attempt,
      e.status,
      e.latencyMs,
      e.error,
      e.events,
    );
    return Number(result.lastInsertRowid);
  }

  /** Newest first. */
  forApp(appId: string, options: { limit: number; endpointId?: string }): DeliveryLogEntry[] {
    const rows =
      options.endpointId === undefined
        ? this.db.query("SELECT * FROM webhook_log WHERE app_id = ? ORDER BY id DESC LIMIT ?").all(appId, options.limit)
        : this.db
            .query("SELECT * FROM webhook_log WHERE app_id = ? AND endpoint_id = ? ORDER BY id DESC LIMIT ?")
            .all(appId, options.endpointId, options.limit);
    return (rows as LogRow[]).map(rowToEntry);
  }

  /** The entry and the events it carried. */
  byId(id: number): { entry: DeliveryLogEntry; events: Record<string, unknown>[] } | undefined {
    const row = this.db.query("SELECT * FROM webhook_log WHERE id = ?").get(id) as LogRow | null;
    return row === null ? undefined : { entry: rowToEntry(row), events: JSON.parse(row.events) as Record<string, unknown>[] };
  }

  /** Drops entries older than `beforeMs`, beyond `maxPerApp` per app, and those of deleted apps. */
  prune(beforeMs: number, maxPerApp: number): number {
    let removed = this.db.query("DELETE FROM webhook_log WHERE at_ms < ?").run(beforeMs).changes;
    removed += this.db.query("DELETE FROM webhook_log WHERE app_id NOT IN (SELECT id FROM apps)").run().changes;
    const apps = this.db.query("SELECT app_id, COUNT(*) AS n FROM webhook_log GROUP BY app_id HAVING n > ?").all(maxPerApp) as {
      app_id: string;
    }[];
    for (const { app_id } of apps) {
      removed += this.db
        .query(
          `DELETE FROM webhook_log WHERE app_id = ?1 AND id <= (
             SELECT id FROM webhook_log WHERE app_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)`,
        )
        .run(app_id, maxPerApp).changes;
    }
    return removed;
  }
}
