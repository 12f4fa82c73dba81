-- Webhooks (PUSHER-PROTOCOL.md §6): endpoints per app, the durable outbox and the delivery log.

-- Several endpoints per app; `events` is a JSON array of §6.3 event names.
CREATE TABLE webhook_endpoints (
  id          TEXT PRIMARY KEY,
  app_id      TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  url         TEXT NOT NULL,
  events      TEXT NOT NULL,
  enabled     INTEGER NOT NULL DEFAULT 1,
  batch       INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_app ON webhook_endpoints (app_id);

-- One row per event per endpoint, committed before anything is sent; deleted once delivered or given
-- up. Delivery order per endpoint and channel is (ready_ms, seq). AUTOINCREMENT: a seq is never reused,
-- so a late completion can never delete a newer row.
CREATE TABLE webhook_outbox (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  app_id           TEXT NOT NULL,
  channel          TEXT NOT NULL,
  type             TEXT NOT NULL,
  event            TEXT NOT NULL,  -- the event object as JSON, exactly as it goes into the body
  ready_ms         INTEGER NOT NULL, -- when it happened; for a held removal, when the hold ends
  next_attempt_ms  INTEGER NOT NULL, -- ready_ms, then pushed back by retries
  attempts         INTEGER NOT NULL DEFAULT 0,
  hold_key         TEXT,             -- held channel_vacated/member_removed: what a comeback cancels
  last_error       TEXT
);
-- channel is in the index so the dispatcher can look past blocked channels without reading rows.
CREATE INDEX webhook_outbox_ready ON webhook_outbox (endpoint_id, ready_ms, seq, channel);
CREATE INDEX webhook_outbox_held ON webhook_outbox (hold_key) WHERE hold_key IS NOT NULL;

-- Every attempt (and test send, and expiry), kept for a bounded time and count per app. No foreign
-- keys: entries outlive a removed endpoint; orphans of deleted apps are pruned.
CREATE TABLE webhook_log (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  app_id       TEXT NOT NULL,
  endpoint_id  TEXT NOT NULL,
  url          TEXT NOT NULL,
  at_ms        INTEGER NOT NULL,
  kind         TEXT NOT NULL,     -- delivery | test | expired
  outcome      TEXT NOT NULL,     -- delivered | retrying | failed
  event_types  TEXT NOT NULL,     -- comma-separated distinct names
  event_count  INTEGER NOT NULL,
  attempt      INTEGER NOT NULL,
  status       INTEGER,
  latency_ms   INTEGER,
  error        TEXT,
  events       TEXT NOT NULL      -- JSON array of the events, for redeliver
);
CREATE INDEX webhook_log_app ON webhook_log (app_id, id);
CREATE INDEX webhook_log_time ON webhook_log (at_ms);
