-- Idempotent (IF NOT EXISTS): an installation rolled back to an older schema_migrations re-runs it safely.
-- Where each event's request came from (null for events no request caused), and the indexes behind
-- the audit filters and the tenant-scoped live stream, each ending in log order.

ALTER TABLE events ADD COLUMN IF NOT EXISTS ip text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS user_agent text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS correlation_id text;

CREATE INDEX IF NOT EXISTS ix_events_tenant_seq   ON events (tenant_id, seq);
CREATE INDEX IF NOT EXISTS ix_events_tenant_actor ON events (tenant_id, actor, seq);
CREATE INDEX IF NOT EXISTS ix_events_tenant_type  ON events (tenant_id, type, seq);
