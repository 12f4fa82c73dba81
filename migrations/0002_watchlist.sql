-- Watchlist events are an app setting (PUSHER-PROTOCOL.md §3.6), off by default as at Pusher.
ALTER TABLE apps ADD COLUMN watchlist_events INTEGER NOT NULL DEFAULT 0;
