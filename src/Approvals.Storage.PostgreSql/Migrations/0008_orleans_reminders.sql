-- Orleans' ADO.NET reminder table (Microsoft.Orleans.Reminders.AdoNet 10.4.2) on our schema. As with
-- clustering (0007), the provider runs only the statements stored here under its keys, binding
-- @ServiceId, @GrainId, @ReminderName, @StartTime, @Period (milliseconds), @GrainHash, @BeginHash,
-- @EndHash and @Version, and reading the columns GrainId, ReminderName, StartTime, Period, Version.
--
-- GrainHash is grainId.GetUniformHashCode(), a uint that Orleans binds cast to a signed int. Each
-- silo reads the rows of its ranges of that hash ring: at start, whenever membership changes, and
-- every refresh period (5 min by default), so the index below turns those reads from a scan of every
-- service's reminders into a range scan.

CREATE TABLE OrleansRemindersTable (
    ServiceId    text        NOT NULL,
    GrainId      text        NOT NULL,
    ReminderName text        NOT NULL,
    StartTime    timestamptz NOT NULL,
    Period       bigint      NOT NULL,
    GrainHash    integer     NOT NULL,
    Version      integer     NOT NULL,
    PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

CREATE INDEX IX_OrleansRemindersTable_ServiceId_GrainHash ON OrleansRemindersTable (ServiceId, GrainHash);

-- The ETag (Version) of every write comes from this sequence rather than counting from 0 per row:
-- a reminder removed and registered again then never gets back an ETag its earlier registration
-- had, so a stale handle cannot remove its successor. Orleans parses ETags as int, hence integer;
-- it cycles after 2^31 writes.
CREATE SEQUENCE OrleansRemindersVersion AS integer CYCLE;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

('UpsertReminderRowKey', $sql$
INSERT INTO OrleansRemindersTable AS r (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, nextval('OrleansRemindersVersion'))
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
    SET StartTime = excluded.StartTime, Period = excluded.Period, GrainHash = excluded.GrainHash, Version = excluded.Version
RETURNING r.Version;
$sql$),

('ReadReminderRowsKey', $sql$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId;
$sql$),

('ReadReminderRowKey', $sql$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;
$sql$),

-- Orleans picks the range query by comparing the bounds as signed ints, the way it stores the
-- hashes: this one when @BeginHash < @EndHash, the range (begin, end].
('ReadRangeRows1Key', $sql$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash;
$sql$),

-- Otherwise the range wraps: above begin, or up to end. As @EndHash <= @BeginHash the two parts
-- never overlap, and as two ranges each can use the index (equal bounds give the whole ring).
('ReadRangeRows2Key', $sql$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash
UNION ALL
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainHash <= @EndHash;
$sql$),

-- Only the registration the caller holds: a reminder updated since (another ETag) stays.
('DeleteReminderRowKey', $sql$
WITH deleted AS (
    DELETE FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName AND Version = @Version
    RETURNING 1)
SELECT count(*)::integer FROM deleted;
$sql$),

('DeleteReminderRowsKey', $sql$
DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;
$sql$);
