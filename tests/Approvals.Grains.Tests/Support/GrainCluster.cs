using Approvals.Grains.Abstractions;
using Approvals.Grains.CatchUp;
using Approvals.Storage.PostgreSql.Clustering;
using Approvals.Storage.Sqlite.Reminders;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.TestingHost;
using FakeClock = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace Approvals.Grains.Tests.Support;

/// <summary>
/// A real Orleans test cluster (one silo, or <see cref="SiloCount"/>) whose approval grains keep their state in a real store.
/// Grain time is a fake clock the tests move; the silo's own machinery stays on real time.
/// Shared by a test class; every test works in a tenant of its own.
/// </summary>
public abstract class GrainCluster : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    public FakeClock Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The stores the grains write to, for reading behind their back (and writing, to race them).</summary>
    public StoreSet Stores { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not deployed (is this backend skipped?).");

    protected virtual bool IsSkipped => false;

    /// <summary>How many silos the cluster starts with.</summary>
    protected virtual short SiloCount => 1;

    /// <summary>Whether survivors run the catch-up when a silo is declared dead (on by default, as on a node).</summary>
    protected virtual bool CatchUpAfterSiloFailure => true;

    protected abstract Task<StoreSet> OpenStoresAsync();

    protected abstract Task RemoveStoresAsync();

    /// <summary>The backend's durable reminder table (the test cluster brings its own membership).</summary>
    protected abstract void UseReminders(ISiloBuilder silo);

    /// <summary>The reminders stored for <paramref name="grain"/>, read from the silo's reminder table.</summary>
    public async Task<IReadOnlyList<string>> RemindersOfAsync(IAddressable grain)
    {
        var table = ((InProcessSiloHandle)Cluster.Silos[0]).SiloHost.Services.GetRequiredService<IReminderTable>();
        return [.. (await table.ReadRows(grain.GetGrainId())).Reminders.Select(r => r.ReminderName)];
    }

    /// <summary>
    /// Stops the only silo (and the client), runs <paramref name="whileDown"/> while no silo is up, then starts a
    /// new silo of the same service on the same store and reminder table, and a new client. The new silo runs
    /// everything a starting silo runs, the start-up catch-up included.
    /// </summary>
    public async Task RestartAsync(Action whileDown)
    {
        await Cluster.StopAllSilosAsync();
        whileDown();
        await Cluster.StartAdditionalSiloAsync();
        await Cluster.InitializeClientAsync();
    }

    public async Task InitializeAsync()
    {
        if (IsSkipped)
        {
            return;
        }
        Stores = await OpenStoresAsync();
        var builder = new InProcessTestClusterBuilder(SiloCount);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(Stores.State);
            silo.Services.AddSingleton(Stores.Events);
            silo.Services.AddSingleton(Stores.Checkpoints);
            silo.Services.AddSingleton(Stores.DueWork);
            // What the query and command grains answer in-cluster clients from, as a node registers it.
            silo.Services.AddSingleton(Stores.ApprovalQueries);
            silo.Services.AddSingleton(Stores.WorkflowQueries);
            silo.Services.AddSingleton(Stores.Idempotency);
            silo.Services.AddSingleton(Clock);
            silo.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(sp => sp.GetRequiredService<FakeClock>()));
            // Only grain time is fake: membership, reminders and the rest run on the real clock.
            silo.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
            UseReminders(silo);
            silo.AddApprovalsGrains();
            // Small pages and few calls at once, so that a handful of due rows takes the catch-up several pages.
            silo.Services.Configure<CatchUpOptions>(o =>
            {
                o.PageSize = 2;
                o.MaxConcurrency = 2;
                o.AfterSiloFailure = CatchUpAfterSiloFailure;
            });
        });
        builder.ConfigureClient(client => client.Services.AddSerializer(s => s.AddApprovalsContracts()));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
        if (!IsSkipped)
        {
            await RemoveStoresAsync();
        }
    }
}

public sealed class SqliteGrainCluster : GrainCluster
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"approvals-grains-{Guid.NewGuid():N}");
    private string ConnectionString => $"Data Source={Path.Combine(_folder, "approvals.db")}";

    protected override void UseReminders(ISiloBuilder silo) => silo.UseApprovalsSqliteReminders(ConnectionString);

    protected override async Task<StoreSet> OpenStoresAsync()
    {
        Directory.CreateDirectory(_folder);
        var stores = StoreSet.Sqlite(ConnectionString);
        await stores.Database.MigrateAsync(CancellationToken.None);
        return stores;
    }

    protected override Task RemoveStoresAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}

public class PostgresGrainCluster : GrainCluster
{
    private PostgresDatabase? _database;

    protected override bool IsSkipped => PostgresEnvironment.SkipReason is not null;

    // Orleans' reminder table on our migrated schema, as a node keeps it (membership stays the test cluster's own).
    protected override void UseReminders(ISiloBuilder silo) => silo.UseApprovalsPostgresReminders(_database!.ConnectionString);

    protected override async Task<StoreSet> OpenStoresAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        var stores = StoreSet.Postgres(_database.DataSource);
        await stores.Database.MigrateAsync(CancellationToken.None);
        return stores;
    }

    protected override async Task RemoveStoresAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
