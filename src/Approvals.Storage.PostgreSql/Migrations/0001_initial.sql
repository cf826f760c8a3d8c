-- Tables are created in the connection's search_path: one database can hold several
-- independent installations (and the tests use one schema each).

CREATE TABLE approvals (
    id           text        NOT NULL PRIMARY KEY,
    tenant_id    text        NOT NULL,
    status       text        NOT NULL,
    risk_level   text        NOT NULL,
    agent_id     text,
    requested_by text        NOT NULL,
    workflow_id  text,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    version      bigint      NOT NULL,
    chain_head   text,
    state        jsonb       NOT NULL
);

-- Every list filter has an index that ends in the newest-first keyset order, so a page is
-- one index range scan however many rows the tenant has.
CREATE INDEX ix_approvals_tenant_created   ON approvals (tenant_id, created_at DESC, id DESC);
CREATE INDEX ix_approvals_tenant_status    ON approvals (tenant_id, status, created_at DESC, id DESC);
CREATE INDEX ix_approvals_tenant_risk      ON approvals (tenant_id, risk_level, created_at DESC, id DESC);
CREATE INDEX ix_approvals_tenant_agent     ON approvals (tenant_id, agent_id, created_at DESC, id DESC) WHERE agent_id IS NOT NULL;
CREATE INDEX ix_approvals_tenant_requester ON approvals (tenant_id, requested_by, created_at DESC, id DESC);
CREATE INDEX ix_approvals_tenant_workflow  ON approvals (tenant_id, workflow_id, created_at DESC, id DESC) WHERE workflow_id IS NOT NULL;

CREATE TABLE events (
    seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text        NOT NULL UNIQUE,
    type       text        NOT NULL,
    tenant_id  text        NOT NULL,
    subject_id text        NOT NULL,
    actor      text        NOT NULL,
    at         timestamptz NOT NULL,
    -- text, not jsonb: the hash chain covers this exact canonical text, and jsonb would
    -- reorder keys and drop insignificant formatting.
    data       text        NOT NULL,
    prev_hash  text,
    hash       text        NOT NULL
);

CREATE INDEX ix_events_subject ON events (subject_id, seq);

CREATE TABLE timers (
    actor_type    text        NOT NULL,
    actor_id      text        NOT NULL,
    name          text        NOT NULL,
    due_at        timestamptz NOT NULL,
    claimed_until timestamptz,
    PRIMARY KEY (actor_type, actor_id, name)
);

-- Claiming walks only the due prefix of this index: cost follows what is due, not what is pending.
CREATE INDEX ix_timers_due ON timers (due_at);

CREATE TABLE idempotency_keys (
    scope         text        NOT NULL,
    key           text        NOT NULL,
    request_hash  text        NOT NULL,
    completed     boolean     NOT NULL,
    status_code   integer     NOT NULL,
    response_body text,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE INDEX ix_idempotency_expires ON idempotency_keys (expires_at);
