-- The data-protection key ring (IKeyRingStore): the keys behind the reviewer inbox's anti-forgery tokens and
-- cookie sessions, kept in the database so that they outlive restarts and need no folder of their own. A
-- handful of rows (a key lasts 90 days), each an XML element as the key manager wrote it, unencrypted:
-- see the README's configuration section for why. id is the rowid, so reads return the order of adding.
CREATE TABLE data_protection_keys (
    id            INTEGER NOT NULL PRIMARY KEY,
    friendly_name TEXT    NOT NULL UNIQUE,
    xml           TEXT    NOT NULL,
    added_at      INTEGER NOT NULL -- unix microseconds, the database's clock; for operators only
);
