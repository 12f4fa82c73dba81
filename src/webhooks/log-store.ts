/**
 * The delivery log: one entry per request attempt (and per test send and per expiry), with the events
 * so that "redeliver" can queue them again. Bounded by age and by a count per app (pruned by the
 * owner of the store, see startWebhooks), so a busy app cannot fill the disk.
 */
import type { Db } from "../store/db";
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
    id: Number(row.id),
    appId: row.app_id,
    endpointId: row.endpoint_id,
    url: row.url,
    time: new Date(Number(row.at_ms)).toISOString(),
    kind: row.kind,
    outcome: row.outcome,
    eventTypes: row.event_types === "" ? [] : row.event_types.split(","),
    eventCount: Number(row.event_count),
    attempt: Number(row.attempt),
    status: row.status === null ? null : Number(row.status),
    latencyMs: row.latency_ms === null ? null : Number(row.latency_ms),
    error: row.error,
  };
}

const INSERT = `INSERT INTO webhook_log (app_id, endpoint_id, url, at_ms, kind, outcome, event_types, event_count, attempt,
  status, latency_ms, error, events) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const INSERT_RETURNING_ID = `${INSERT} RETURNING id`;

function paramsOf(e: NewLogEntry) {
  return [e.appId, e.endpointId, e.url, e.atMs, e.kind, e.outcome, e.eventTypes.join(","), e.eventCount, e.attempt, e.status, e.latencyMs, e.error, e.events];
}

export class DeliveryLogStore {
  constructor(private readonly db: Db) {}

  on(tx: Db): DeliveryLogStore {
    return new DeliveryLogStore(tx);
  }

  /** Adds an entry and answers its id. */
  async insert(e: NewLogEntry): Promise<number> {
    const row = await this.db.get<{ id: number }>(INSERT_RETURNING_ID, paramsOf(e));
    return Number(row!.id);
  }

  /**
   * Adds an entry whose id nobody reads (one per webhook request): without RETURNING, which costs
   * SQLite more than the insert itself (~10 against ~4 µs, bench/webhooks).
   */
  async append(e: NewLogEntry): Promise<void> {
    await this.db.run(INSERT, paramsOf(e));
  }

  /** Newest first. */
  async forApp(appId: string, options: { limit: number; endpointId?: string }): Promise<DeliveryLogEntry[]> {
    const rows =
      options.endpointId === undefined
        ? await this.db.all<LogRow>("SELECT * FROM webhook_log WHERE app_id = ? ORDER BY id DESC LIMIT ?", [appId, options.limit])
        : await this.db.all<LogRow>("SELECT * FROM webhook_log WHERE app_id = ? AND endpoint_id = ? ORDER BY id DESC LIMIT ?", [
            appId,
            options.endpointId,
            options.limit,
          ]);
    return rows.map(rowToEntry);
  }

  /** The entry and the events it carried. */
  async byId(id: number): Promise<{ entry: DeliveryLogEntry; events: Record<string, unknown>[] } | undefined> {
    const row = await this.db.get<LogRow>("SELECT * FROM webhook_log WHERE id = ?", [id]);
    return row === undefined ? undefined : { entry: rowToEntry(row), events: JSON.parse(row.events) as Record<string, unknown>[] };
  }

  /** Drops entries older than `beforeMs`, beyond `maxPerApp` per app, and those of deleted apps. */
  async prune(beforeMs: number, maxPerApp: number): Promise<number> {
    let removed = await this.db.run("DELETE FROM webhook_log WHERE at_ms < ?", [beforeMs]);
    removed += await this.db.run("DELETE FROM webhook_log WHERE app_id NOT IN (SELECT id FROM apps)");
    const apps = await this.db.all<{ app_id: string }>("SELECT app_id FROM webhook_log GROUP BY app_id HAVING COUNT(*) > ?", [maxPerApp]);
    for (const { app_id } of apps) {
      removed += await this.db.run(
        `DELETE FROM webhook_log WHERE app_id = ? AND id <= (
           SELECT id FROM webhook_log WHERE app_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
        [app_id, app_id, maxPerApp],
      );
    }
    return removed;
  }
}
