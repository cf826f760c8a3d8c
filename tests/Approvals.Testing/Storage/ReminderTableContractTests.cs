using Orleans;
using Orleans.Runtime;

namespace Approvals.Testing.Storage;

/// <summary>
/// What every Orleans <see cref="IReminderTable"/> of Approvals must do, written once (after Orleans'
/// ReminderTableTestsBase): our SQLite table, and Orleans' ADO.NET table on our migrated PostgreSQL
/// schema, which proves the statements and parameter names our migrations store. A backend's test project
/// subclasses it; a PostgreSQL subclass carries <see cref="PostgreSql.RequiresPostgresAttribute"/>.
/// </summary>
public abstract class ReminderTableContractTests : IAsyncLifetime
{
    /// <summary>A fixed start of time, in whole milliseconds (the precision every backend keeps).</summary>
    protected static readonly DateTime T0 = new(2026, 1, 1, 9, 0, 0, DateTimeKind.Utc);

    private const uint Middle = 0x8000_0000;

    private readonly string _serviceId = $"service-{Guid.NewGuid():N}";

    /// <summary>The table under test, for this test's service id.</summary>
    protected IReminderTable Table { get; private set; } = null!;

    /// <summary>A fresh database with the schema applied (called once per test, before any table).</summary>
    protected abstract Task CreateDatabaseAsync();

    /// <summary>The started reminder table of <paramref name="serviceId"/> over that database, as a silo gets it.</summary>
    protected abstract Task<IReminderTable> CreateTableAsync(string serviceId);

    /// <summary>Releases what <see cref="CreateDatabaseAsync"/> set up.</summary>
    protected virtual Task DisposeDatabaseAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        await CreateDatabaseAsync();
        Table = await CreateTableAsync(_serviceId);
    }

    public Task DisposeAsync() => DisposeDatabaseAsync();

    // ---- builders ----

    /// <summary>A grain id of the kind Approvals uses: a tenant-scoped string key, here with characters that need care.</summary>
    protected static GrainId NewGrain() => GrainId.Create("reminder-probe", $"tenant-ä/apr_{Guid.NewGuid():N} #?\\/%");

    protected static ReminderEntry Entry(GrainId grain, string name, DateTime? startAt = null, TimeSpan? period = null) => new()
    {
        GrainId = grain,
        ReminderName = name,
        StartAt = startAt ?? T0,
        Period = period ?? TimeSpan.FromMinutes(1),
    };

    private async Task<List<GrainId>> UpsertOneReminderEachAsync(int grains)
    {
        var ids = Enumerable.Range(0, grains).Select(_ => NewGrain()).ToList();
        foreach (var id in ids)
        {
            await Table.UpsertRow(Entry(id, "expiry"));
        }
        return ids;
    }

    /// <summary>Asserts that a range read returns exactly the rows whose hash lies in the ring range (begin, end].</summary>
    private async Task AssertRangeAsync(uint begin, uint end, IReadOnlyCollection<GrainId> stored)
    {
        var expected = stored
            .Where(id => InRange(id.GetUniformHashCode(), begin, end))
            .Select(id => id.ToString())
            .Order(StringComparer.Ordinal);
        var actual = (await Table.ReadRows(begin, end)).Reminders
            .Select(r => r.GrainId.ToString())
            .Order(StringComparer.Ordinal);
        Assert.True(expected.SequenceEqual(actual),
            $"ReadRows({begin:x8}, {end:x8}) returned {actual.Count()} rows, expected {expected.Count()}");
    }

    // The rule of IReminderTable.ReadRows(begin, end), in unsigned order.
    private static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static List<uint> SortedHashes(IEnumerable<GrainId> ids) =>
        ids.Select(id => id.GetUniformHashCode()).Distinct().Order().ToList();

    // ---- single rows ----

    [StoreFact]
    public async Task ReadRow_OfAnUnknownReminder_IsNull()
    {
        var grain = NewGrain();

        Assert.Null(await Table.ReadRow(grain, "expiry"));
        Assert.Empty((await Table.ReadRows(grain)).Reminders);
    }

    [StoreFact]
    public async Task UpsertRow_ThenReadRow_ReturnsEveryField_AndTheETag()
    {
        var grain = NewGrain();
        var entry = Entry(grain, "expiry/1 ä #?", T0.AddMilliseconds(123), TimeSpan.FromMinutes(5));

        var etag = await Table.UpsertRow(entry);

        Assert.False(string.IsNullOrEmpty(etag));
        var read = await Table.ReadRow(grain, entry.ReminderName);
        Assert.NotNull(read);
        Assert.Equal(grain, read.GrainId);
        Assert.Equal(entry.ReminderName, read.ReminderName);
        Assert.Equal(entry.StartAt, read.StartAt);
        Assert.Equal(DateTimeKind.Utc, read.StartAt.Kind);
        Assert.Equal(entry.Period, read.Period);
        Assert.Equal(etag, read.ETag);
    }

    [StoreFact]
    public async Task UpsertRow_AStartTimeOfUnspecifiedKind_IsTakenAsUtc()
    {
        var grain = NewGrain();
        var unspecified = DateTime.SpecifyKind(T0.AddSeconds(7), DateTimeKind.Unspecified);

        await Table.UpsertRow(Entry(grain, "expiry", unspecified));

        var read = await Table.ReadRow(grain, "expiry");
        Assert.NotNull(read);
        Assert.Equal(T0.AddSeconds(7), read.StartAt);
        Assert.Equal(DateTimeKind.Utc, read.StartAt.Kind);
    }

    [StoreFact]
    public async Task UpsertRow_APeriodBeyondInt32Milliseconds_RoundTrips()
    {
        // 30 days is 2.6e9 ms: more than an int holds (Orleans binds such periods as a long).
        var grain = NewGrain();

        await Table.UpsertRow(Entry(grain, "retention", period: TimeSpan.FromDays(30)));

        Assert.Equal(TimeSpan.FromDays(30), (await Table.ReadRow(grain, "retention"))?.Period);
    }

    [StoreFact]
    public async Task UpsertRow_AgainForTheSameReminder_ReplacesIt_WithANewETag()
    {
        var grain = NewGrain();
        var first = await Table.UpsertRow(Entry(grain, "expiry", T0, TimeSpan.FromMinutes(1)));

        var second = await Table.UpsertRow(Entry(grain, "expiry", T0.AddHours(1), TimeSpan.FromMinutes(10)));

        Assert.NotEqual(first, second);
        var row = Assert.Single((await Table.ReadRows(grain)).Reminders);
        Assert.Equal(T0.AddHours(1), row.StartAt);
        Assert.Equal(TimeSpan.FromMinutes(10), row.Period);
        Assert.Equal(second, row.ETag);
    }

    [StoreFact]
    public async Task UpsertRow_ConcurrentlyForOneReminder_GivesEveryWriteItsOwnETag_AndKeepsOneWholeWrite()
    {
        var grain = NewGrain();
        var writes = Enumerable.Range(1, 20).Select(i => Entry(grain, "expiry", T0.AddSeconds(i), TimeSpan.FromMinutes(i))).ToList();

        var etags = await Task.WhenAll(writes.Select(w => Task.Run(() => Table.UpsertRow(w))));

        Assert.Equal(writes.Count, etags.Distinct().Count());
        var row = Assert.Single((await Table.ReadRows(grain)).Reminders);
        // The row is one write as a whole (its start and its period belong together) under that write's ETag.
        var winner = writes[Array.IndexOf(etags, row.ETag)];
        Assert.Equal(winner.StartAt, row.StartAt);
        Assert.Equal(winner.Period, row.Period);
    }

    // ---- removal ----

    [StoreFact]
    public async Task RemoveRow_WithTheCurrentETag_RemovesIt_Once()
    {
        var grain = NewGrain();
        var etag = await Table.UpsertRow(Entry(grain, "expiry"));

        Assert.True(await Table.RemoveRow(grain, "expiry", etag!));

        Assert.Null(await Table.ReadRow(grain, "expiry"));
        Assert.False(await Table.RemoveRow(grain, "expiry", etag!));
    }

    [StoreFact]
    public async Task RemoveRow_WithAStaleETag_IsRefused_AndKeepsTheRow()
    {
        var grain = NewGrain();
        var stale = await Table.UpsertRow(Entry(grain, "expiry", T0));
        var current = await Table.UpsertRow(Entry(grain, "expiry", T0.AddMinutes(1)));

        Assert.False(await Table.RemoveRow(grain, "expiry", stale!));

        var row = await Table.ReadRow(grain, "expiry");
        Assert.Equal(current, row?.ETag);
        Assert.Equal(T0.AddMinutes(1), row?.StartAt);
    }

    [StoreFact]
    public async Task RemoveRow_WithTheETagOfAnEarlierRegistration_KeepsTheNewOne()
    {
        // Registered, removed, registered again: a handle to the first registration must not remove the second.
        var grain = NewGrain();
        var first = await Table.UpsertRow(Entry(grain, "expiry"));
        Assert.True(await Table.RemoveRow(grain, "expiry", first!));
        var second = await Table.UpsertRow(Entry(grain, "expiry"));

        Assert.NotEqual(first, second);
        Assert.False(await Table.RemoveRow(grain, "expiry", first!));
        Assert.Equal(second, (await Table.ReadRow(grain, "expiry"))?.ETag);
    }

    [StoreFact]
    public async Task RemoveRow_OfAnotherNameOrGrain_IsRefused_AndRemovesNothing()
    {
        var grain = NewGrain();
        var etag = await Table.UpsertRow(Entry(grain, "expiry"));

        Assert.False(await Table.RemoveRow(grain, "timeout", etag!));
        Assert.False(await Table.RemoveRow(NewGrain(), "expiry", etag!));

        Assert.Equal(etag, (await Table.ReadRow(grain, "expiry"))?.ETag);
    }

    // ---- reads of many rows ----

    [StoreFact]
    public async Task ReadRows_OfAGrain_ReturnsItsRemindersOnly()
    {
        var grain = NewGrain();
        var other = NewGrain();
        foreach (var name in new[] { "expiry", "timeout", "delay" })
        {
            await Table.UpsertRow(Entry(grain, name));
        }
        await Table.UpsertRow(Entry(other, "expiry"));

        var rows = (await Table.ReadRows(grain)).Reminders;

        Assert.Equal(["delay", "expiry", "timeout"], rows.Select(r => r.ReminderName).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal(grain, r.GrainId));
    }

    [StoreFact]
    public async Task ReadRows_OfARange_ExcludesTheBegin_AndIncludesTheEnd()
    {
        var grains = await UpsertOneReminderEachAsync(40);
        var hashes = SortedHashes(grains);

        // Bounds equal to stored hashes: the row at begin is out, the row at end is in.
        await AssertRangeAsync(hashes[5], hashes[20], grains);
        await AssertRangeAsync(hashes[0], hashes[^1], grains);
        await AssertRangeAsync(hashes[5] - 1, hashes[5], grains);
        await AssertRangeAsync(0, uint.MaxValue, grains);
    }

    [StoreFact]
    public async Task ReadRows_OfARangeThatWraps_ReturnsTheTopAndTheBottomOfTheRing()
    {
        var grains = await UpsertOneReminderEachAsync(40);
        var hashes = SortedHashes(grains);

        await AssertRangeAsync(hashes[30], hashes[10], grains);
        await AssertRangeAsync(hashes[^1], hashes[0], grains);
        await AssertRangeAsync(uint.MaxValue, hashes[3], grains);
        await AssertRangeAsync(hashes[35], 0, grains);
    }

    [StoreFact]
    public async Task ReadRows_WithEqualBounds_ReturnsTheWholeRing()
    {
        var grains = await UpsertOneReminderEachAsync(20);
        var hashes = SortedHashes(grains);

        foreach (var bound in new[] { 0u, hashes[7], Middle, uint.MaxValue })
        {
            Assert.Equal(grains.Count, (await Table.ReadRows(bound, bound)).Reminders.Count);
        }
    }

    [StoreFact]
    public async Task ReadRows_AcrossTheMiddleOfTheRing_FollowsUnsignedOrder()
    {
        // Orleans' ADO.NET table stores hashes as signed ints, so 0x7fffffff and 0x80000000 sit at
        // opposite ends of its index: ranges around the middle of the ring are where a sign slip shows.
        var grains = await UpsertOneReminderEachAsync(60);
        var hashes = SortedHashes(grains);
        Assert.True(hashes[0] < Middle && hashes[^1] >= Middle, "the grains should fall on both halves of the ring");
        var below = hashes.Last(h => h < Middle);
        var above = hashes.First(h => h >= Middle);

        await AssertRangeAsync(Middle - 1, Middle, grains);
        await AssertRangeAsync(below - 1, above, grains);
        await AssertRangeAsync(below, above, grains);
        await AssertRangeAsync(hashes[10], hashes[50], grains);
        await AssertRangeAsync(above, below, grains);
        await AssertRangeAsync(hashes[50], hashes[10], grains);
        await AssertRangeAsync(Middle, Middle - 1, grains);
    }

    [StoreFact]
    public async Task ReadRows_ManyRows_EveryRandomRangeMatchesTheHashes()
    {
        var grains = Enumerable.Range(0, 250).Select(_ => NewGrain()).ToList();
        foreach (var grain in grains)
        {
            await Table.UpsertRow(Entry(grain, "expiry"));
            await Table.UpsertRow(Entry(grain, "timeout"));
        }
        var random = new Random(9);

        Assert.Equal(2 * grains.Count, (await Table.ReadRows(0, 0)).Reminders.Count);
        for (var i = 0; i < 200; i++)
        {
            var begin = (uint)random.NextInt64(0, 1L << 32);
            var end = (uint)random.NextInt64(0, 1L << 32);
            var expected = grains.Count(g => InRange(g.GetUniformHashCode(), begin, end));
            var rows = (await Table.ReadRows(begin, end)).Reminders;
            Assert.True(2 * expected == rows.Count, $"ReadRows({begin:x8}, {end:x8}) returned {rows.Count} rows, expected {2 * expected}");
            Assert.All(rows, r => Assert.True(InRange(r.GrainId.GetUniformHashCode(), begin, end)));
        }
    }

    // ---- services ----

    [StoreFact]
    public async Task Rows_OfAnotherService_AreInvisible_AndSurviveItsClear()
    {
        var other = await CreateTableAsync($"service-{Guid.NewGuid():N}");
        var grain = NewGrain();
        await Table.UpsertRow(Entry(grain, "expiry", T0));
        var theirs = await other.UpsertRow(Entry(grain, "expiry", T0.AddHours(1)));

        Assert.Equal(T0, (await Table.ReadRow(grain, "expiry"))?.StartAt);
        Assert.Equal(T0.AddHours(1), (await other.ReadRow(grain, "expiry"))?.StartAt);
        Assert.Single((await Table.ReadRows(0, 0)).Reminders);
        Assert.False(await Table.RemoveRow(grain, "expiry", theirs!));

        await Table.TestOnlyClearTable();

        Assert.Empty((await Table.ReadRows(0, 0)).Reminders);
        Assert.Equal(theirs, (await other.ReadRow(grain, "expiry"))?.ETag);
    }
}
