-- The reviewer inbox lists a tenant's requests of one status soonest deadline first (ApprovalOrder.Deadline),
-- paged by (expires_at, id): this index serves that order for any status, so a page costs its own rows
-- whatever the number of requests behind it.
CREATE INDEX ix_approvals_tenant_status_expiry ON approvals (tenant_id, status, expires_at, id);
