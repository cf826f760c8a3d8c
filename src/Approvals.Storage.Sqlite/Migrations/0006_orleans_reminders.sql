-- Orleans reminders of the embedded silo (SqliteReminderTable). Keyed as Orleans keys them: per
-- service, grain and reminder name. grain_hash is grainId.GetUniformHashCode(), a uint kept as is;
-- the silo reads the rows of its range of that hash ring at start and every refresh period, hence
-- the index. start_at is unix microseconds like every time here, period is in microseconds too;
-- etag is a fresh random value at every write.

CREATE TABLE orleans_reminders (
    service_id    TEXT    NOT NULL,
    grain_id      TEXT    NOT NULL,
    reminder_name TEXT    NOT NULL,
    start_at      INTEGER NOT NULL,
    period        INTEGER NOT NULL,
    grain_hash    INTEGER NOT NULL,
    etag          TEXT    NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX ix_orleans_reminders_service_hash ON orleans_reminders (service_id, grain_hash);
