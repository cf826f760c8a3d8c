using Approvals.Core.Storage;
using Approvals.Storage.PostgreSql;
using Approvals.Storage.Sqlite;
using Npgsql;

namespace Approvals.Bench;

/// <summary>A fresh, empty database of one backend for one benchmark run.</summary>
public sealed class BenchTarget : IAsyncDisposable
{
    private readonly Func<ValueTask> _cleanup;

    private BenchTarget(IApprovalsStore store, Func<ValueTask> cleanup)
    {
        Store = store;
        _cleanup = cleanup;
    }

    public IApprovalsStore Store { get; }

    public static async Task<BenchTarget> OpenAsync(string backend)
    {
        BenchTarget target;
        if (backend == "sqlite")
        {
            var folder = Directory.CreateTempSubdirectory("approvals-bench-").FullName;
            var store = new SqliteApprovalsStore($"Data Source={Path.Combine(folder, "bench.db")}");
            target = new BenchTarget(store, () =>
            {
                store.Dispose();
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
            var dataSource = PostgresApprovalsStore.CreateDataSource(new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema }.ConnectionString);
            target = new BenchTarget(new PostgresApprovalsStore(dataSource), async () =>
            {
                await dataSource.DisposeAsync();
                await using var admin = NpgsqlDataSource.Create(connectionString);
                await admin.CreateCommand($"DROP SCHEMA {schema} CASCADE;").ExecuteNonQueryAsync();
            });
        }
        await target.Store.MigrateAsync(CancellationToken.None);
        return target;
    }

    public ValueTask DisposeAsync() => _cleanup();
}
