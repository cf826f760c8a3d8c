using Approvals.Core.Storage;
using Approvals.Storage.PostgreSql;
using Approvals.Storage.Sqlite;
using Npgsql;

namespace Approvals.Bench;

/// <summary>A fresh, empty database of one backend for one benchmark run, with the store ports the benchmarks time.</summary>
public sealed class BenchTarget : IAsyncDisposable
{
    private readonly Func<ValueTask> _cleanup;

    private BenchTarget(IStoreDatabase database, IStateStore state, IApprovalQueries approvalQueries, IEventLog events, Func<ValueTask> cleanup)
    {
        Database = database;
        State = state;
        ApprovalQueries = approvalQueries;
        Events = events;
        _cleanup = cleanup;
    }

    public IStoreDatabase Database { get; }

    public IStateStore State { get; }

    public IApprovalQueries ApprovalQueries { get; }

    public IEventLog Events { get; }

    public static async Task<BenchTarget> OpenAsync(string backend)
    {
        BenchTarget target;
        if (backend == "sqlite")
        {
            var folder = Directory.CreateTempSubdirectory("approvals-bench-").FullName;
            var database = new SqliteStoreDatabase($"Data Source={Path.Combine(folder, "bench.db")}");
            target = new BenchTarget(database, new SqliteStateStore(database), new SqliteApprovalQueries(database), new SqliteEventLog(database),
                () =>
                {
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                    Directory.Delete(folder, recursive: true);
                    return ValueTask.CompletedTask;
                });
        }
        else
        {
            var connectionString = Environment.GetEnvironmentVariable("APPROVALS_BENCH_POSTGRES")
                ?? Environment.GetEnvironmentVariable("APPROVALS_TEST_POSTGRES")
                ?? throw new InvalidOperationException("Set APPROVALS_BENCH_POSTGRES to a PostgreSQL connection string.");
            var schema = $"bench_{Guid.NewGuid():N}"[..24];
            await using (var admin = NpgsqlDataSource.Create(connectionString))
            {
                await admin.CreateCommand($"CREATE SCHEMA {schema};").ExecuteNonQueryAsync();
            }
            var dataSource = PostgresStoreDatabase.CreateDataSource(
                new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema }.ConnectionString);
            var database = new PostgresStoreDatabase(dataSource);
            target = new BenchTarget(database, new PostgresStateStore(database), new PostgresApprovalQueries(database), new PostgresEventLog(database),
                async () =>
                {
                    await dataSource.DisposeAsync();
                    await using var admin = NpgsqlDataSource.Create(connectionString);
                    await admin.CreateCommand($"DROP SCHEMA {schema} CASCADE;").ExecuteNonQueryAsync();
                });
        }
        await target.Database.MigrateAsync(CancellationToken.None);
        return target;
    }

    public ValueTask DisposeAsync() => _cleanup();
}
