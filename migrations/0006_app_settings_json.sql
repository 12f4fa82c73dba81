-- An app's toggles and limits move into one JSON column, so that a new setting (declared once in the
-- App schema, src/engine/app.ts) needs no new column and no migration: an app stored before the
-- setting existed reads it as absent and gets its declared default. Toggles are stored explicitly
-- (an owner's choice outlives a later change of the default); limits keep storing only the values
-- that differ from the defaults, as before. Every existing value is copied before a column is dropped.
ALTER TABLE apps ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

UPDATE apps SET settings = json_object(
  'enabled',           json(CASE WHEN enabled = 1 THEN 'true' ELSE 'false' END),
  'clientEvents',      json(CASE WHEN client_events = 1 THEN 'true' ELSE 'false' END),
  'userAuth',          json(CASE WHEN user_auth = 1 THEN 'true' ELSE 'false' END),
  'subscriptionCount', json(CASE WHEN subscription_count = 1 THEN 'true' ELSE 'false' END),
  'watchlistEvents',   json(CASE WHEN watchlist_events = 1 THEN 'true' ELSE 'false' END),
  'lenientEventNames', json(CASE WHEN lenient_event_names = 1 THEN 'true' ELSE 'false' END),
  'limits',            json(limits)
);

ALTER TABLE apps DROP COLUMN enabled;
ALTER TABLE apps DROP COLUMN client_events;
ALTER TABLE apps DROP COLUMN user_auth;
ALTER TABLE apps DROP COLUMN subscription_count;
ALTER TABLE apps DROP COLUMN watchlist_events;
ALTER TABLE apps DROP COLUMN lenient_event_names;
ALTER TABLE apps DROP COLUMN limits;
