-- Times are INTEGER unix microseconds: SQLite has no timestamp type, and integers compare and sort exactly.

CREATE TABLE approvals (
    id           TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    risk_level   TEXT    NOT NULL,
    agent_id     TEXT,
    requested_by TEXT    NOT NULL,
    workflow_id  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    chain_head   TEXT,
    state        TEXT    NOT NULL
);

-- Every list filter has an index ending in the newest-first keyset order, so a page is an index range.
CREATE INDEX ix_approvals_tenant_created   ON approvals (tenant_id, created_at DESC, id DESC);
CREATE INDEX ix_approvals_tenant_status    ON approvals (tenant_id, status, created_at DESC, id DESC);
CREATE INDEX ix_approvals_tenant_risk      ON approvals (tenant_id, risk_level, created_at DESC, id DESC);
CREATE INDEX ix_approvals_tenant_agent     ON approvals (tenant_id, agent_id, created_at DESC, id DESC) WHERE agent_id IS NOT NULL;
CREATE INDEX ix_approvals_tenant_requester ON approvals (tenant_id, requested_by, created_at DESC, id DESC);
CREATE INDEX ix_approvals_tenant_workflow  ON approvals (tenant_id, workflow_id, created_at DESC, id DESC) WHERE workflow_id IS NOT NULL;

CREATE TABLE timers (
    actor_type    TEXT    NOT NULL,
    actor_id      TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    due_at        INTEGER NOT NULL,
    claimed_until INTEGER,
    PRIMARY KEY (actor_type, actor_id, name)
);

-- Claiming reads only the due prefix of this index: cost follows what is due, not what is pending.
CREATE INDEX ix_timers_due ON timers (due_at);

CREATE TABLE events (
    seq        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL,
    tenant_id  TEXT    NOT NULL,
    subject_id TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    data       TEXT    NOT NULL,
    prev_hash  TEXT,
    hash       TEXT    NOT NULL
);

CREATE INDEX ix_events_subject ON events (subject_id, seq);

CREATE TABLE idempotency_keys (
    scope         TEXT    NOT NULL,
    key           TEXT    NOT NULL,
    request_hash  TEXT    NOT NULL,
    completed     INTEGER NOT NULL,
    status_code   INTEGER NOT NULL,
    response_body TEXT,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE INDEX ix_idempotency_expires ON idempotency_keys (expires_at);

-- Counts per tenant and status, kept by triggers in the same transaction as the approval row, so
-- count and count-by-status cost O(1) instead of a scan of every matching row.
CREATE TABLE approval_counts (
    tenant_id TEXT    NOT NULL,
    status    TEXT    NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, status)
) WITHOUT ROWID;

CREATE TRIGGER approvals_counted_on_insert AFTER INSERT ON approvals
BEGIN
    INSERT INTO approval_counts (tenant_id, status, n) VALUES (NEW.tenant_id, NEW.status, 1)
    ON CONFLICT (tenant_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER approvals_counted_on_status AFTER UPDATE OF status ON approvals WHEN OLD.status <> NEW.status
BEGIN
    UPDATE approval_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND status = OLD.status;
    INSERT INTO approval_counts (tenant_id, status, n) VALUES (NEW.tenant_id, NEW.status, 1)
    ON CONFLICT (tenant_id, status) DO UPDATE SET n = n + 1;
END;
