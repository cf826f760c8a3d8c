-- API keys. Only the SHA-256 of each key is kept: a key carries at least 128 random bits, so a fast
-- hash cannot be brute-forced and no slow password hash is needed. The prefix is the key's public
-- lookup part; authentication reads one row by it on every request.
CREATE TABLE api_keys (
    id           TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL UNIQUE,
    hash         BLOB    NOT NULL,
    scopes       TEXT    NOT NULL, -- space-separated
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);

CREATE INDEX ix_api_keys_tenant_created ON api_keys (tenant_id, created_at DESC, id DESC);
