using Approvals.Testing.Storage;
using Microsoft.Data.Sqlite;

namespace Approvals.Storage.Sqlite.Tests;

/// <summary>The storage contract on SQLite: a fresh database file per test.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("approvals-sqlite-").FullName;

    protected override async Task<StoreSet> CreateStoresAsync()
    {
        var stores = StoreSet.Sqlite($"Data Source={Path.Combine(_folder, "approvals.db")}");
        await stores.Database.MigrateAsync(CancellationToken.None);
        return stores;
    }

    protected override Task DisposeStoresAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}
