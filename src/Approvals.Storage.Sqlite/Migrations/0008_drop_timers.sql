-- Deadlines are Orleans reminders now (with the start-up catch-up over IDueWorkStore's indexes), so
-- nothing reads or writes the durable timers of the old actor runtime any more. Rows left in the table
-- are timers that runtime never fired; the grains' reminders and the catch-up cover the same deadlines
-- from the state rows, so dropping them loses nothing. The index goes with its table.
DROP INDEX IF EXISTS ix_timers_due;
DROP TABLE IF EXISTS timers;
