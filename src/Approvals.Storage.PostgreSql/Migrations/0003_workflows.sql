-- Workflow runs, one row per workflow actor, saved like approvals (version-checked, with their events).
CREATE TABLE workflows (
    id         text        NOT NULL PRIMARY KEY,
    tenant_id  text        NOT NULL,
    status     text        NOT NULL,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version    bigint      NOT NULL,
    chain_head text,
    -- json, not jsonb: the state is read back exactly as written. jsonb would reorder keys, which
    -- would change the approval context an effect carries (a JSON value, not a string) and move the
    -- effect's "kind" discriminator, which the deserializer expects first.
    state      json        NOT NULL
);

-- The list's filters, each ending in the newest-first keyset order, so a page is one index range scan.
CREATE INDEX ix_workflows_tenant_created ON workflows (tenant_id, created_at DESC, id DESC);
CREATE INDEX ix_workflows_tenant_status  ON workflows (tenant_id, status, created_at DESC, id DESC);

-- Where each event-log consumer got to (the last seq it finished), so a restart resumes there.
CREATE TABLE consumer_checkpoints (
    consumer   text        NOT NULL PRIMARY KEY,
    seq        bigint      NOT NULL,
    updated_at timestamptz NOT NULL
);
