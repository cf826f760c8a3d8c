-- Workflow runs, one row per workflow actor, saved like approvals (version-checked, with their events).
CREATE TABLE workflows (
    id         TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    chain_head TEXT,
    state      TEXT    NOT NULL
);

-- The list's filters, each ending in the newest-first keyset order, so a page is an index range.
CREATE INDEX ix_workflows_tenant_created ON workflows (tenant_id, created_at DESC, id DESC);
CREATE INDEX ix_workflows_tenant_status  ON workflows (tenant_id, status, created_at DESC, id DESC);

-- Where each event-log consumer got to (the last seq it finished), so a restart resumes there.
CREATE TABLE consumer_checkpoints (
    consumer   TEXT    NOT NULL PRIMARY KEY,
    seq        INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
