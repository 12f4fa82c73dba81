-- Apps: credentials, toggles and limits. `revision` grows on every change so that a running server
-- notices changes made by another process (the CLI) and applies them within a second.
CREATE TABLE apps (
  id                  TEXT PRIMARY KEY,
  key                 TEXT NOT NULL UNIQUE,
  secret              TEXT NOT NULL,
  name                TEXT NOT NULL,
  cluster             TEXT NOT NULL DEFAULT 'sa',
  enabled             INTEGER NOT NULL DEFAULT 1,
  client_events       INTEGER NOT NULL DEFAULT 0,
  user_auth           INTEGER NOT NULL DEFAULT 0,
  subscription_count  INTEGER NOT NULL DEFAULT 0,
  lenient_event_names INTEGER NOT NULL DEFAULT 0,
  limits              TEXT NOT NULL DEFAULT '{}', -- JSON: only the limits that differ from the defaults
  revision            INTEGER NOT NULL DEFAULT 1,
  created_at          TEXT NOT NULL,
  updated_at          TEXT NOT NULL
);
