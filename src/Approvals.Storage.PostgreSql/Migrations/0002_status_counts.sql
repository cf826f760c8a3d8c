-- Approvals per tenant and status, kept by SaveAsync in the same transaction as the rows, so
-- count and count-by-status read a handful of rows instead of scanning every matching approval.
CREATE TABLE approval_counts (
    tenant_id text   NOT NULL,
    status    text   NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (tenant_id, status)
);

-- Rows written before this migration. A node still running the previous version during a rolling
-- upgrade would not count its writes: upgrade by stopping the old nodes first.
INSERT INTO approval_counts (tenant_id, status, n)
SELECT tenant_id, status, count(*) FROM approvals GROUP BY tenant_id, status;
