-- Webhook outbox claims, as migrations/0007_webhook_claims.sql for SQLite: several nodes deliver this
-- shared outbox; a node claims the rows it is about to send until claim_until (ms since the epoch) and
-- renews the claim while it lives; rows of a node that died are taken over once the claim has lapsed.
ALTER TABLE webhook_outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE webhook_outbox ADD COLUMN claim_until BIGINT;
-- A look skips channels with a live claim of another node; a node renews and releases its own claims.
CREATE INDEX webhook_outbox_claims ON webhook_outbox (endpoint_id, claim_until) WHERE claimed_by IS NOT NULL;
CREATE INDEX webhook_outbox_claimed_by ON webhook_outbox (claimed_by) WHERE claimed_by IS NOT NULL;
