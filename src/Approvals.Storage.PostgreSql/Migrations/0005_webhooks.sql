-- Idempotent (IF NOT EXISTS), so re-applying it over a schema that has the tables is harmless.
-- Webhook endpoints of a tenant. Deleting keeps the row (deliveries refer to it) and stops sending.
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    id            text        NOT NULL PRIMARY KEY,
    tenant_id     text        NOT NULL,
    url           text        NOT NULL,
    event_types   text[]      NOT NULL,
    secret        text        NOT NULL,
    created_at    timestamptz NOT NULL,
    disabled_at   timestamptz,
    failing_since timestamptz,
    deleted_at    timestamptz
);

CREATE INDEX IF NOT EXISTS ix_webhook_subscriptions_tenant ON webhook_subscriptions (tenant_id, created_at);

-- One row per (subscription, event): the unique key makes enqueueing idempotent, so a fan-out that
-- reads an event again (or runs on several nodes) never sends it twice. Claimed rows carry a lease
-- and a token; claimers take due rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id               text        NOT NULL PRIMARY KEY,
    subscription_id  text        NOT NULL REFERENCES webhook_subscriptions (id),
    tenant_id        text        NOT NULL,
    event_id         text        NOT NULL,
    event_seq        bigint      NOT NULL,
    event_type       text        NOT NULL,
    status           text        NOT NULL,
    attempts         integer     NOT NULL,
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz,
    claimed_until    timestamptz,
    claim_token      text,
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_error       text,
    delivered_at     timestamptz,
    UNIQUE (subscription_id, event_id)
);

CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at DESC, id DESC);
