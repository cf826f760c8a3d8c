-- The data-protection key ring (IKeyRingStore): the keys behind the reviewer inbox's anti-forgery tokens and
-- cookie sessions, kept in the database so that every node reads the same ring (a token one node issued is
-- accepted by the others) and it outlives restarts. A handful of rows (a key lasts 90 days), each an XML
-- element as the key manager wrote it, unencrypted: see the README's configuration section for why. The
-- unique name lets two nodes store the same element at once (ON CONFLICT DO NOTHING) without a duplicate.
-- IF NOT EXISTS: re-applied over a schema whose migration records were rolled back without this table, it changes nothing.
CREATE TABLE IF NOT EXISTS data_protection_keys (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name text        NOT NULL UNIQUE,
    xml           text        NOT NULL,
    added_at      timestamptz NOT NULL DEFAULT now() -- for operators only
);
