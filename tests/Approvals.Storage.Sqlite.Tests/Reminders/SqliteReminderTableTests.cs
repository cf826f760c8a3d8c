using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Storage;
using Approvals.Storage.Sqlite.Reminders;
using Approvals.Testing;
using Approvals.Testing.Storage;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Approvals.Grains.Abstractions;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Approvals.Storage.Sqlite.Tests.Reminders;

/// <summary>What only the SQLite reminder table can get wrong: sharing its file with the store and with other processes, and serving a real silo.</summary>
public sealed class SqliteReminderTableTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTime T0 = new(2026, 1, 1, 9, 0, 0, DateTimeKind.Utc);

    // A first tick that is already past when the reminder is registered is skipped, and the next comes a
    // period (1 min) later: the deadline covers that too, so a slow machine cannot fail the test.
    private static readonly TimeSpan TickDeadline = TimeSpan.FromSeconds(100);

    private readonly string _folder = Directory.CreateTempSubdirectory("approvals-reminders-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(_folder, "approvals.db")}";

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Writes_BesideTheStoresBatches_OnOneFile_AllCommit()
    {
        var database = new SqliteStoreDatabase(ConnectionString);
        await database.MigrateAsync(None);
        var store = new SqliteStateStore(database);
        using var host = BuildSilo(ConnectionString, "service-a");
        var table = host.Services.GetRequiredService<IReminderTable>();
        await table.StartAsync(None);
        var grains = Enumerable.Range(0, 200).Select(i => GrainId.Create("reminder-probe", $"tenant-a/apr_{i:000}")).ToList();

        // Four writers of reminders and four of approval batches, all at once on one file.
        var reminderWriters = grains.Chunk(50).Select(chunk => Task.Run(async () =>
        {
            foreach (var grain in chunk)
            {
                await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "expiry", StartAt = T0, Period = TimeSpan.FromMinutes(1) }, None);
            }
        }));
        var storeWriters = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var batch = 0; batch < 25; batch++)
            {
                var writes = Enumerable.Range(0, 10).Select(i => (StateWrite)NewApprovalWrite($"apr_{writer}_{batch}_{i}")).ToList();
                Assert.All(await store.SaveAsync(writes, None), outcome => Assert.Equal(WriteOutcome.Committed, outcome));
            }
        }));
        await Task.WhenAll(reminderWriters.Concat(storeWriters));

        Assert.Equal(grains.Count, (await table.ReadRows(0, 0, None)).Reminders.Count);
        Assert.Equal(4 * 25 * 10, await new SqliteApprovalQueries(database).CountAsync("tenant-a", ApprovalStatus.Pending, None));
    }

    [Fact]
    public async Task UpsertRow_WhileAnotherProcessHoldsTheWriteLock_WaitsForIt_ThenCommits()
    {
        using var host = BuildSilo(ConnectionString, "service-a");
        var table = host.Services.GetRequiredService<IReminderTable>();
        await table.StartAsync(None);
        var grain = GrainId.Create("reminder-probe", "tenant-a/apr_1");

        // Another process (a CLI, say) knows nothing of our in-process gate: it meets us inside SQLite.
        await using var otherProcess = new SqliteConnection(new SqliteConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString());
        await otherProcess.OpenAsync();
        var holding = otherProcess.BeginTransaction(deferred: false);
        await otherProcess.ExecuteAsync("UPDATE schema_migrations SET name = name;", transaction: holding);

        // Microsoft.Data.Sqlite runs statements synchronously: the upsert needs a thread of its own to wait on.
        var upsert = Task.Run(() => table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "expiry", StartAt = T0, Period = TimeSpan.FromMinutes(1) }, None));
        var gate = SqliteDatabaseFile.WriteGate(ConnectionString);
        await Eventually.TrueAsync(() => Task.FromResult(gate.CurrentCount == 0 || upsert.IsCompleted), TimeSpan.FromSeconds(30), "the upsert never became the writer");
        // The other process holds the lock throughout: had the upsert completed, it failed (busy) or wrote past the lock.
        Assert.False(upsert.IsCompleted, $"the upsert ended while another process held the write lock: {upsert.Exception?.InnerException?.Message ?? "it committed"}");
        holding.Commit();
        holding.Dispose();

        var etag = await upsert;
        Assert.Equal(etag, (await table.ReadRow(grain, "expiry", None))?.ETag);
    }

    [Fact]
    public async Task ASilo_OnAFreshFile_StoresFiresAndRemovesAReminder()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        // The grain interfaces of Approvals are in this process (through the test support), so their
        // messages' codecs are registered as every silo and client of Approvals registers them.
        builder.ConfigureSilo((_, silo) => silo.UseApprovalsSqliteReminders(ConnectionString)
            .Services.AddSerializer(serializer => serializer.AddApprovalsContracts()));
        builder.ConfigureClient(client => client.Services.AddSerializer(serializer => serializer.AddApprovalsContracts()));
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var grain = cluster.Client.GetGrain<IReminderProbeGrain>("tenant-a/apr_1");
        var grainId = grain.GetGrainId();

        await grain.RegisterAsync("expiry", dueTime: TimeSpan.FromSeconds(2), period: TimeSpan.FromMinutes(1));

        var row = Assert.Single(await ReadRowsAsync());
        Assert.Equal((cluster.Options.ServiceId, grainId.ToString(), "expiry", (long)grainId.GetUniformHashCode()),
            (row.Service_Id, row.Grain_Id, row.Reminder_Name, row.Grain_Hash));
        await Eventually.TrueAsync(async () => await grain.CountTicksAsync("expiry") > 0, TickDeadline, "the reminder never ticked");

        Assert.True(await grain.UnregisterAsync("expiry"));
        Assert.Empty(await ReadRowsAsync());
    }

    private async Task<List<ReminderRow>> ReadRowsAsync()
    {
        await using var connection = new SqliteConnection(ConnectionString);
        return (await connection.QueryAsync<ReminderRow>("SELECT service_id, grain_id, reminder_name, grain_hash FROM orleans_reminders;")).ToList();
    }

    private sealed record ReminderRow(string Service_Id, string Grain_Id, string Reminder_Name, long Grain_Hash);

    private static IHost BuildSilo(string connectionString, string serviceId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo => silo
            .UseApprovalsSqliteReminders(connectionString)
            .Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = "reminder-table-tests";
                cluster.ServiceId = serviceId;
            }));
        return builder.Build();
    }

    private static ApprovalWrite NewApprovalWrite(string id) => new(new ApprovalState
    {
        Id = id,
        TenantId = "tenant-a",
        Status = ApprovalStatus.Pending,
        Title = $"Deploy {id}",
        RiskScore = 10,
        RequiredApprovalLevel = 1,
        ContextJson = "{}",
        RequestedBy = "user_req",
        Policy = ApprovalPolicy.Default,
        Decisions = [],
        ExpiresAt = new DateTimeOffset(T0).AddHours(1),
        CreatedAt = new DateTimeOffset(T0),
        UpdatedAt = new DateTimeOffset(T0),
        Version = 1,
    }, 0, [], null);
}
