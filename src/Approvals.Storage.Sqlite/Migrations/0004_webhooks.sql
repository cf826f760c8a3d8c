-- Idempotent (IF NOT EXISTS), so re-applying it over a schema that has the tables is harmless.
-- Webhook endpoints of a tenant. Deleting keeps the row (deliveries refer to it) and stops sending.
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    id            TEXT    NOT NULL PRIMARY KEY,
    tenant_id     TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    event_types   TEXT    NOT NULL, -- JSON array of patterns
    secret        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER,
    failing_since INTEGER,
    deleted_at    INTEGER
);

CREATE INDEX IF NOT EXISTS ix_webhook_subscriptions_tenant ON webhook_subscriptions (tenant_id, created_at);

-- One row per (subscription, event): the unique key makes enqueueing idempotent, so a fan-out that
-- reads an event again never sends it twice. A row is claimed with a lease and a token for an attempt.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id               TEXT    NOT NULL PRIMARY KEY,
    subscription_id  TEXT    NOT NULL REFERENCES webhook_subscriptions (id),
    tenant_id        TEXT    NOT NULL,
    event_id         TEXT    NOT NULL,
    event_seq        INTEGER NOT NULL,
    event_type       TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    attempts         INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    next_attempt_at  INTEGER,
    claimed_until    INTEGER,
    claim_token      TEXT,
    last_attempt_at  INTEGER,
    last_status_code INTEGER,
    last_error       TEXT,
    delivered_at     INTEGER,
    UNIQUE (subscription_id, event_id)
);

-- Claiming walks only pending rows in due order.
CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at DESC, id DESC);
