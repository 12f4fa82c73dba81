-- Per-app usage per minute, written by the metrics rollup; hours and days are summed from it.
CREATE TABLE usage_minutes (
  app_id           TEXT NOT NULL,
  minute           INTEGER NOT NULL, -- Unix time / 60
  connections_peak INTEGER NOT NULL DEFAULT 0,
  connections_sum  INTEGER NOT NULL DEFAULT 0, -- summed samples, for the average
  samples          INTEGER NOT NULL DEFAULT 0,
  api_messages     INTEGER NOT NULL DEFAULT 0,
  client_messages  INTEGER NOT NULL DEFAULT 0,
  delivered        INTEGER NOT NULL DEFAULT 0, -- messages delivered to sockets (Pusher's count)
  PRIMARY KEY (app_id, minute)
);
