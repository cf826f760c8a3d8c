using Approvals.Core.Storage;
using Approvals.Storage.PostgreSql;
using Approvals.Storage.Sqlite;
using Approvals.Testing.PostgreSql;

namespace Approvals.Runtime.Tests.Support;

/// <summary>A database for one test; every store it opens sees the same data (like several nodes, or a restart).</summary>
public abstract class Backend : IAsyncDisposable
{
    private readonly List<IApprovalsStore> _opened = [];

    /// <summary>Opens a new store object on this test's database, migrated.</summary>
    public async Task<IApprovalsStore> OpenStoreAsync()
    {
        var store = await CreateAsync();
        await store.MigrateAsync(CancellationToken.None);
        _opened.Add(store);
        return store;
    }

    protected abstract Task<IApprovalsStore> CreateAsync();

    public virtual ValueTask DisposeAsync()
    {
        foreach (var store in _opened)
        {
            (store as IDisposable)?.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>A fresh SQLite file in a temporary folder.</summary>
public sealed class SqliteBackend : Backend
{
    private readonly string _folder = Directory.CreateTempSubdirectory("approvals-test-").FullName;

    protected override Task<IApprovalsStore> CreateAsync() =>
        Task.FromResult<IApprovalsStore>(new SqliteApprovalsStore($"Data Source={Path.Combine(_folder, "approvals.db")}"));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere only leaves a temp folder behind.
        }
    }
}

/// <summary>A fresh schema on the test PostgreSQL server; each store gets its own connection pool, like a node.</summary>
public sealed class PostgresBackend : Backend
{
    private readonly List<Npgsql.NpgsqlDataSource> _dataSources = [];
    private PostgresDatabase? _database;

    protected override async Task<IApprovalsStore> CreateAsync()
    {
        _database ??= await PostgresDatabase.CreateAsync();
        var dataSource = PostgresApprovalsStore.CreateDataSource(_database.ConnectionString);
        _dataSources.Add(dataSource);
        return new PostgresApprovalsStore(dataSource);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
