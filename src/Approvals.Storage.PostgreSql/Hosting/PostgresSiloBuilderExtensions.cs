using Approvals.Core.Storage;
using Approvals.Storage.PostgreSql.Clustering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Hosting;

namespace Approvals.Storage.PostgreSql.Hosting;

/// <summary>The clustered backend: every node is a silo on one PostgreSQL database.</summary>
public static class PostgresSiloBuilderExtensions
{
    /// <summary>
    /// Registers every store port on the PostgreSQL database of <paramref name="connectionString"/>, with
    /// Orleans' ADO.NET membership and reminders on the same schema. The migrations run before anything
    /// else starts; nodes starting together apply each one once.
    /// </summary>
    public static ISiloBuilder AddApprovalsPostgres(this ISiloBuilder silo, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        var services = silo.Services;
        // A singleton so the host disposes the pool.
        services.AddSingleton(_ => PostgresStoreDatabase.CreateDataSource(connectionString));
        services.AddSingleton(sp => new PostgresStoreDatabase(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<IStoreDatabase>(sp => sp.GetRequiredService<PostgresStoreDatabase>());
        services.AddSingleton<IStateStore, PostgresStateStore>();
        services.AddSingleton<IEventLog, PostgresEventLog>();
        services.AddSingleton<IIdempotencyStore, PostgresIdempotencyStore>();
        services.AddSingleton<IApprovalQueries, PostgresApprovalQueries>();
        services.AddSingleton<IWorkflowQueries, PostgresWorkflowQueries>();
        services.AddSingleton<ICheckpointStore, PostgresCheckpointStore>();
        services.AddSingleton<IChangeFeed, PostgresChangeFeed>();
        services.AddSingleton<IApiKeyStore, PostgresApiKeyStore>();
        services.AddSingleton<IAuditLog, PostgresAuditLog>();
        services.AddSingleton<IWebhookStore, PostgresWebhookStore>();
        services.AddSingleton<IDueWorkStore, PostgresDueWorkStore>();
        services.AddSingleton<IKeyRingStore, PostgresKeyRingStore>();
        services.AddHostedService<PostgresMigrationOnStart>();

        // Migrated above, before the silo's lifecycle begins.
        silo.UseApprovalsPostgresClustering(connectionString, clustering => clustering.MigrateOnStart = false);
        return silo;
    }

    /// <summary>Migrates in the host's "starting" phase, before the silo (membership, reminders) or any other service starts.</summary>
    private sealed class PostgresMigrationOnStart(PostgresStoreDatabase database, ILogger<PostgresMigrationOnStart> logger) : IHostedLifecycleService
    {
        public async Task StartingAsync(CancellationToken cancellationToken)
        {
            await database.MigrateAsync(cancellationToken);
            logger.LogInformation("Storage ready: postgres.");
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
