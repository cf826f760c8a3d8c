using Approvals.Core.Storage;
using Approvals.Server.Configuration;
using Approvals.Storage.PostgreSql;
using Approvals.Storage.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Approvals.Server.Storage;

/// <summary>Chooses and prepares the storage backend from configuration.</summary>
public static class StorageSetup
{
    public static IServiceCollection AddApprovalsStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section))
            .Validate(o => o.IsSqlite || o.IsPostgres, "Approvals:Storage:Provider must be 'sqlite' or 'postgres'.")
            .Validate(o => !o.IsPostgres || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Approvals:Storage:ConnectionString is required when Approvals:Storage:Provider is 'postgres'.")
            .ValidateOnStart();

        services.AddSingleton<IApprovalsStore>(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            if (storage.IsPostgres)
            {
                return new PostgresApprovalsStore(sp.GetRequiredService<NpgsqlDataSource>());
            }
            return new SqliteApprovalsStore(SqliteConnectionString(sp));
        });
        // Held for the life of the process: a second node on the same SQLite file refuses to start.
        services.AddSingleton(sp => SqliteSingleNodeLock.Acquire(SqliteConnectionString(sp)));
        services.AddSingleton<IApprovalQueries>(sp => sp.GetRequiredService<IApprovalsStore>());
        services.AddSingleton<IWorkflowQueries>(sp => sp.GetRequiredService<IApprovalsStore>());
        services.AddSingleton<IIdempotencyStore>(sp => sp.GetRequiredService<IApprovalsStore>());
        services.AddSingleton<IEventLog>(sp => sp.GetRequiredService<IApprovalsStore>());
        // Registered as a singleton so the host disposes the pool; only built when PostgreSQL is chosen.
        services.AddSingleton(sp => PostgresApprovalsStore.CreateDataSource(sp.GetRequiredService<IOptions<StorageOptions>>().Value.ConnectionString!));
        services.AddHostedService<MigrateOnStart>();
        return services;
    }

    private static string SqliteConnectionString(IServiceProvider services) =>
        services.GetRequiredService<IOptions<StorageOptions>>().Value.ConnectionString
        ?? $"Data Source={Path.Combine(services.GetRequiredService<IOptions<ServerOptions>>().Value.DataFolder, "approvals.db")}";

    /// <summary>Applies migrations before anything else starts (timers, the change feed, requests).</summary>
    private sealed class MigrateOnStart(IApprovalsStore store, ILogger<MigrateOnStart> logger, IOptions<StorageOptions> options, IServiceProvider services)
        : IHostedLifecycleService
    {
        public async Task StartingAsync(CancellationToken cancellationToken)
        {
            if (!options.Value.IsPostgres)
            {
                services.GetRequiredService<SqliteSingleNodeLock>();
            }
            await store.MigrateAsync(cancellationToken);
            var provider = options.Value.IsPostgres ? "postgres" : "sqlite";
            logger.LogInformation("Storage ready: {Provider}.", provider);
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
