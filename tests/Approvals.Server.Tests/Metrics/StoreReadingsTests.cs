using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Grains.Workflows;
using Approvals.Server.Metrics;
using Approvals.Server.Webhooks;
using Approvals.Storage.PostgreSql;
using Approvals.Storage.Sqlite;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Tests.Metrics;

/// <summary>
/// What the gauges read from the store, on a real store of each backend and a fake clock: the requests of every
/// tenant by status, the event-log readers' lag (the age of the oldest event past each checkpoint), and the cache
/// that keeps scrapes from reading the store more than once per period.
/// </summary>
public abstract class StoreReadingsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _clock = new(T0);
    private StoreSet? _stores;
    private int _approvals;

    private StoreSet Stores => _stores!;

    protected abstract Task<StoreSet> OpenStoresAsync();

    protected abstract Task DropDatabaseAsync();

    /// <summary>Makes the counters unreadable behind the store's back (drops their table).</summary>
    protected abstract Task BreakCountersAsync();

    public async Task InitializeAsync()
    {
        _stores = await OpenStoresAsync();
        await Stores.Database.MigrateAsync(None);
    }

    public async Task DisposeAsync()
    {
        (_stores?.Database as IDisposable)?.Dispose();
        await DropDatabaseAsync();
    }

    private StoreReadings NewReadings() => new(Stores.ApprovalQueries, Stores.Events, Stores.Checkpoints,
        Options.Create(new MetricsOptions { StoreCacheDuration = CacheDuration }), _clock, NullLogger<StoreReadings>.Instance);

    [StoreFact]
    public async Task Lag_IsTheAgeOfTheOldestEventEachReaderHasNotFinished_ZeroWhenCaughtUp()
    {
        var readings = NewReadings();
        Assert.All((await readings.GetAsync(None)).Lag.Values, lag => Assert.Equal(TimeSpan.Zero, lag));

        var first = await FileAsync("tenant-a");
        _clock.Advance(TimeSpan.FromSeconds(10));
        await FileAsync("tenant-b");
        _clock.Advance(TimeSpan.FromSeconds(10));
        var last = await FileAsync("tenant-a");
        await Stores.Checkpoints.SaveCheckpointAsync(WebhookFanOut.Consumer, first.Seq, None);
        _clock.SetUtcNow(T0.AddMinutes(1));

        var behind = await readings.GetAsync(None);
        Assert.Equal(new[] { DecisionDispatcher.Consumer, WebhookFanOut.Consumer }.Order(StringComparer.Ordinal), behind.Lag.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(TimeSpan.FromSeconds(60), behind.Lag[DecisionDispatcher.Consumer]);
        Assert.Equal(TimeSpan.FromSeconds(50), behind.Lag[WebhookFanOut.Consumer]);

        await Stores.Checkpoints.SaveCheckpointAsync(DecisionDispatcher.Consumer, last.Seq, None);
        await Stores.Checkpoints.SaveCheckpointAsync(WebhookFanOut.Consumer, last.Seq, None);
        _clock.Advance(CacheDuration);
        var caughtUp = await readings.GetAsync(None);
        Assert.Equal(TimeSpan.Zero, caughtUp.Lag[DecisionDispatcher.Consumer]);
        Assert.Equal(TimeSpan.Zero, caughtUp.Lag[WebhookFanOut.Consumer]);
    }

    [StoreFact]
    public async Task Requests_CountEveryTenantByStatus()
    {
        await FileAsync("tenant-a");
        await FileAsync("tenant-b");
        await FileAsync("tenant-b", ApprovalStatus.Approved);
        await FileAsync("tenant-c", ApprovalStatus.Cancelled);

        var requests = (await NewReadings().GetAsync(None)).Requests;

        Assert.Equal(Enum.GetValues<ApprovalStatus>().Length, requests.Count);
        Assert.Equal(2, requests[ApprovalStatus.Pending]);
        Assert.Equal(1, requests[ApprovalStatus.Approved]);
        Assert.Equal(1, requests[ApprovalStatus.Cancelled]);
        Assert.Equal(0, requests[ApprovalStatus.Rejected]);
        Assert.Equal(0, requests[ApprovalStatus.Expired]);
    }

    [StoreFact]
    public async Task Figures_AreReusedForTheCacheDuration_ThenReadAgain()
    {
        var readings = NewReadings();
        var first = await readings.GetAsync(None);
        await FileAsync("tenant-a");

        _clock.Advance(CacheDuration - TimeSpan.FromMilliseconds(1));
        Assert.Same(first, await readings.GetAsync(None));
        Assert.Same(first, readings.ForScrape());

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var second = await readings.GetAsync(None);
        Assert.NotSame(first, second);
        Assert.Equal(0, first.Requests[ApprovalStatus.Pending]);
        Assert.Equal(1, second.Requests[ApprovalStatus.Pending]);
    }

    [StoreFact]
    public async Task ConcurrentScrapes_ShareOneRead()
    {
        var readings = NewReadings();

        var snapshots = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => readings.GetAsync(None))));

        Assert.All(snapshots, s => Assert.Same(snapshots[0], s));
    }

    [StoreFact]
    public async Task AFailedRead_LeavesTheScrapeThePreviousFigures()
    {
        await FileAsync("tenant-a");
        var readings = NewReadings();
        var before = readings.ForScrape();
        Assert.NotNull(before);
        await BreakCountersAsync();
        _clock.Advance(CacheDuration);

        await Assert.ThrowsAnyAsync<Exception>(() => readings.GetAsync(None));
        Assert.Same(before, readings.ForScrape());
    }

    /// <summary>Files an approval of <paramref name="tenant"/> now (one approval.requested event at the clock's time) and returns its event.</summary>
    private async Task<EventRecord> FileAsync(string tenant, ApprovalStatus status = ApprovalStatus.Pending)
    {
        var now = _clock.GetUtcNow();
        var id = $"apr_{++_approvals:0000}";
        var state = new ApprovalState
        {
            Id = id,
            TenantId = tenant,
            Status = status,
            Title = $"Change {id}",
            RiskScore = 10,
            RequiredApprovalLevel = 1,
            ContextJson = "{}",
            RequestedBy = "rita",
            Policy = ApprovalPolicy.Default,
            Decisions = [],
            ExpiresAt = now.AddDays(30),
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        var e = EventHasher.Seal($"evt_{Guid.NewGuid():N}", new NewEvent(EventTypes.ApprovalRequested, "rita", new JsonObject { ["title"] = state.Title }),
            tenant, id, now, null);
        Assert.Equal([WriteOutcome.Committed], await Stores.State.SaveAsync([new ApprovalWrite(state, 0, [e], null)], None));
        return (await Stores.Events.ReadSubjectAsync(id, None)).Single();
    }
}

/// <summary>The store readings on SQLite: a database file per test.</summary>
public sealed class SqliteStoreReadingsTests : StoreReadingsTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("approvals-readings-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(_folder, "approvals.db")}";

    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Sqlite(ConnectionString));

    protected override async Task BreakCountersAsync()
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "DROP TABLE approval_counts;";
        await command.ExecuteNonQueryAsync();
    }

    protected override Task DropDatabaseAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The store readings on PostgreSQL: a schema per test (skipped without a server unless CI=true).</summary>
[RequiresPostgres]
public sealed class PostgresStoreReadingsTests : StoreReadingsTests
{
    private PostgresDatabase? _database;

    protected override async Task<StoreSet> OpenStoresAsync()
    {
        _database ??= await PostgresDatabase.CreateAsync();
        return StoreSet.Postgres(_database.DataSource);
    }

    protected override async Task BreakCountersAsync()
    {
        await using var command = _database!.DataSource.CreateCommand("DROP TABLE approval_counts;");
        await command.ExecuteNonQueryAsync();
    }

    protected override async Task DropDatabaseAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
