-- The reviewer inbox lists a tenant's requests of one status soonest deadline first (ApprovalOrder.Deadline),
-- paged by (expires_at, id): this index serves that order for any status, so a page costs its own rows
-- whatever the number of requests behind it. Built inside the migration's transaction (not CONCURRENTLY),
-- so writes to approvals wait while it is built: seconds for millions of rows, once.
CREATE INDEX IF NOT EXISTS ix_approvals_tenant_status_expiry ON approvals (tenant_id, status, expires_at, id);
