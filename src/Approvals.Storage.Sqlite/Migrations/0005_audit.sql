-- Where each event's request came from (null for events no request caused), and the indexes behind
-- the audit filters and the tenant-scoped live stream, each ending in log order.

ALTER TABLE events ADD COLUMN ip TEXT;
ALTER TABLE events ADD COLUMN user_agent TEXT;
ALTER TABLE events ADD COLUMN correlation_id TEXT;

CREATE INDEX ix_events_tenant_seq   ON events (tenant_id, seq);
CREATE INDEX ix_events_tenant_actor ON events (tenant_id, actor, seq);
CREATE INDEX ix_events_tenant_type  ON events (tenant_id, type, seq);
