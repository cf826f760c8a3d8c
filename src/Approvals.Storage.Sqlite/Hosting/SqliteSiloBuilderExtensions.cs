using System.Net;
using Approvals.Core.Storage;
using Approvals.Storage.Sqlite.Reminders;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Approvals.Storage.Sqlite.Hosting;

/// <summary>The embedded backend: one silo, its state, events, reminders and everything else in one SQLite file.</summary>
public static class SqliteSiloBuilderExtensions
{
    /// <summary>
    /// Registers every store port on the SQLite database of <paramref name="connectionString"/>, Orleans'
    /// reminders in the same file, and single-silo clustering (the silo is its own primary, at the port of
    /// its <see cref="EndpointOptions"/>). Before anything starts the node takes the database's single-node
    /// lock (a second process on the same file refuses to start with <see cref="SqliteDatabaseInUseException"/>)
    /// and applies the migrations.
    /// </summary>
    public static ISiloBuilder AddApprovalsSqlite(this ISiloBuilder silo, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // Parsed now (throws ArgumentException): a malformed string fails at start-up, not at the first request.
        _ = new SqliteConnectionStringBuilder(connectionString);

        var services = silo.Services;
        services.AddSingleton(_ => SqliteSingleNodeLock.Acquire(connectionString));
        services.AddSingleton(sp =>
        {
            // Never open the file before holding its lock.
            sp.GetRequiredService<SqliteSingleNodeLock>();
            return new SqliteStoreDatabase(connectionString);
        });
        services.AddSingleton<IStoreDatabase>(sp => sp.GetRequiredService<SqliteStoreDatabase>());
        services.AddSingleton<IStateStore, SqliteStateStore>();
        services.AddSingleton<IEventLog, SqliteEventLog>();
        services.AddSingleton<IIdempotencyStore, SqliteIdempotencyStore>();
        services.AddSingleton<IApprovalQueries, SqliteApprovalQueries>();
        services.AddSingleton<IWorkflowQueries, SqliteWorkflowQueries>();
        services.AddSingleton<ICheckpointStore, SqliteCheckpointStore>();
        services.AddSingleton<IChangeFeed, SqliteChangeFeed>();
        services.AddSingleton<IApiKeyStore, SqliteApiKeyStore>();
        services.AddSingleton<IAuditLog, SqliteAuditLog>();
        services.AddSingleton<IWebhookStore, SqliteWebhookStore>();
        services.AddSingleton<IDueWorkStore, SqliteDueWorkStore>();
        services.AddSingleton<IKeyRingStore, SqliteKeyRingStore>();
        services.AddHostedService<SqliteMigrationOnStart>();

        silo.UseApprovalsSqliteReminders(connectionString);
        // One silo, its own primary: no membership table, and the reminder ring is all of it.
        silo.UseDevelopmentClustering(options => options.Configure<IOptions<EndpointOptions>>((membership, endpoints) =>
            membership.PrimarySiloEndpoint = new IPEndPoint(endpoints.Value.AdvertisedIPAddress ?? IPAddress.Loopback, endpoints.Value.SiloPort)));
        return silo;
    }

    /// <summary>
    /// Takes the single-node lock and migrates in the hosts's "starting" phase, before the silo or any
    /// other service starts, so a refusal stops the process before it opens a port.
    /// </summary>
    private sealed class SqliteMigrationOnStart(IServiceProvider services, ILogger<SqliteMigrationOnStart> logger) : IHostedLifecycleService
    {
        public async Task StartingAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<SqliteSingleNodeLock>();
            await services.GetRequiredService<SqliteStoreDatabase>().MigrateAsync(cancellationToken);
            logger.LogInformation("Storage ready: sqlite.");
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
