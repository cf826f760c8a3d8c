using Approvals.Core.Storage;
using Approvals.Testing.Storage;
using Microsoft.Data.Sqlite;

namespace Approvals.Storage.Sqlite.Tests;

/// <summary>The storage contract on SQLite: a fresh database file per test.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("approvals-sqlite-").FullName;

    protected override async Task<IApprovalsStore> CreateStoreAsync()
    {
        var store = new SqliteApprovalsStore($"Data Source={Path.Combine(_folder, "approvals.db")}");
        await store.MigrateAsync(CancellationToken.None);
        return store;
    }

    protected override Task DisposeStoreAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}
