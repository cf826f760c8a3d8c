-- API keys. Only the SHA-256 of each key is kept: a key carries at least 128 random bits, so a fast
-- hash cannot be brute-forced and no slow password hash is needed. The prefix is the key's public
-- lookup part; authentication reads one row by it on every request, on every node.
-- IF NOT EXISTS: re-applied over a schema whose migration records were rolled back without this table, it changes nothing.
CREATE TABLE IF NOT EXISTS api_keys (
    id           text        NOT NULL PRIMARY KEY,
    tenant_id    text        NOT NULL,
    name         text        NOT NULL,
    prefix       text        NOT NULL UNIQUE,
    hash         bytea       NOT NULL,
    scopes       text[]      NOT NULL,
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz
);

CREATE INDEX IF NOT EXISTS ix_api_keys_tenant_created ON api_keys (tenant_id, created_at DESC, id DESC);
