-- Accounts own apps; a plan caps apps, concurrent connections and messages per day (0 = unlimited).
CREATE TABLE plans (
  id                   TEXT PRIMARY KEY,
  name                 TEXT NOT NULL,
  max_apps             INTEGER NOT NULL,
  max_connections      INTEGER NOT NULL, -- account-wide
  max_app_connections  INTEGER NOT NULL DEFAULT 0, -- optional cap per app
  max_messages_per_day INTEGER NOT NULL,
  created_at           TEXT NOT NULL
);
INSERT INTO plans VALUES
  ('free',      'Free',      2,    100,   0, 200000,   '2026-01-01T00:00:00.000Z'),
  ('startup',   'Startup',   10,   2000,  0, 10000000, '2026-01-01T00:00:00.000Z'),
  ('business',  'Business',  50,   20000, 0, 0,        '2026-01-01T00:00:00.000Z'),
  ('unlimited', 'Unlimited', 0,    0,     0, 0,        '2026-01-01T00:00:00.000Z');

CREATE TABLE accounts (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name          TEXT NOT NULL,
  password_hash TEXT NOT NULL, -- argon2id (Bun.password)
  is_admin      INTEGER NOT NULL DEFAULT 0,
  plan_id       TEXT NOT NULL REFERENCES plans(id),
  created_at    TEXT NOT NULL
);

-- Browser sessions and personal API tokens are stored as SHA-256 hashes of the random token.
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at   TEXT
);

-- Operator settings (sign-up open, the one-time setup token's hash).
CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Apps created from the CLI belong to no account; admins see them.
ALTER TABLE apps ADD COLUMN account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE;
CREATE INDEX apps_by_account ON apps(account_id);
