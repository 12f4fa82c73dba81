-- A key once used stays reserved, even after its app (or the owning account) is deleted or the key
-- is renamed: clients still deployed with it must never reach another tenant's app.
CREATE TABLE retired_keys (
  key        TEXT PRIMARY KEY,
  retired_at TEXT NOT NULL
);
CREATE TRIGGER app_keys_retire_on_delete BEFORE DELETE ON app_keys BEGIN
  INSERT OR IGNORE INTO retired_keys (key, retired_at) VALUES (old.key, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER app_keys_retire_on_rename AFTER UPDATE OF key ON app_keys WHEN old.key <> new.key BEGIN
  INSERT OR IGNORE INTO retired_keys (key, retired_at) VALUES (old.key, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
