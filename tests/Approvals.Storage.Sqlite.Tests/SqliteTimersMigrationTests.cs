using Dapper;
using Microsoft.Data.Sqlite;

namespace Approvals.Storage.Sqlite.Tests;

/// <summary>Migration 0008: the durable timers of the old actor runtime go, rows and index with the table.</summary>
public sealed class SqliteTimersMigrationTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly string _folder = Directory.CreateTempSubdirectory("approvals-sqlite-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(_folder, "approvals.db")}";

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Migrate_DropsTheTimersTable_AndItsIndex_EvenWithRowsLeftInIt()
    {
        // A database written by the previous version, with a timer its runtime never fired.
        await using (var connection = new SqliteConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await SqliteMigrator.ApplyAsync(connection, None, upToVersion: 7);
            await connection.ExecuteAsync(
                "INSERT INTO timers (actor_type, actor_id, name, due_at, claimed_until) VALUES ('approval', 'apr_1', 'expiry', 1, NULL);");
        }

        await new SqliteStoreDatabase(ConnectionString).MigrateAsync(None);

        await using var check = new SqliteConnection(ConnectionString);
        await check.OpenAsync();
        Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT count(*) FROM sqlite_master WHERE name IN ('timers', 'ix_timers_due');"));
    }
}
