-- Apps: settings and limits. Credentials live in app_keys (several pairs per app, as at Pusher).
-- `revision` grows on every change, so a running server notices changes made by another process
-- (the CLI) and applies them within a second.
CREATE TABLE apps (
  id                  TEXT PRIMARY KEY,
  name                TEXT NOT NULL,
  cluster             TEXT NOT NULL DEFAULT 'sa',
  enabled             INTEGER NOT NULL DEFAULT 1,
  client_events       INTEGER NOT NULL DEFAULT 0,
  user_auth           INTEGER NOT NULL DEFAULT 0,
  subscription_count  INTEGER NOT NULL DEFAULT 0,
  watchlist_events    INTEGER NOT NULL DEFAULT 0,
  lenient_event_names INTEGER NOT NULL DEFAULT 0,
  limits              TEXT NOT NULL DEFAULT '{}', -- JSON: only the limits that differ from the defaults
  revision            INTEGER NOT NULL DEFAULT 1,
  created_at          TEXT NOT NULL,
  updated_at          TEXT NOT NULL
);

-- Key pairs. The oldest active pair is the app's primary one: it signs webhooks, as at Pusher.
-- Revoked pairs are kept (revoked_at set) so the dashboard can show when a key stopped working.
CREATE TABLE app_keys (
  key        TEXT PRIMARY KEY,
  app_id     TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  secret     TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX app_keys_by_app ON app_keys(app_id, created_at);
