using Approvals.Testing.PostgreSql;

namespace Approvals.Storage.PostgreSql.Tests;

/// <summary>Migration 0010: the durable timers of the old actor runtime go, rows and index with the table.</summary>
[RequiresPostgres]
public sealed class PostgresTimersMigrationTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    private PostgresDatabase _database = null!;

    public async Task InitializeAsync() => _database = await PostgresDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [PostgresFact]
    public async Task Migrate_DropsTheTimersTable_AndItsIndex_EvenWithRowsLeftInIt()
    {
        // A database written by the previous version, with a timer its runtime never fired.
        await using (var connection = await _database.DataSource.OpenConnectionAsync())
        {
            await PostgresMigrator.ApplyAsync(connection, None, upToVersion: 9);
        }
        await using (var insert = _database.DataSource.CreateCommand(
            "INSERT INTO timers (actor_type, actor_id, name, due_at, claimed_until) VALUES ('approval', 'apr_1', 'expiry', now(), NULL);"))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await new PostgresStoreDatabase(_database.DataSource).MigrateAsync(None);

        // to_regclass resolves through the search_path, which holds this test's schema.
        await using var check = _database.DataSource.CreateCommand("SELECT to_regclass('timers') IS NULL AND to_regclass('ix_timers_due') IS NULL;");
        Assert.True((bool)(await check.ExecuteScalarAsync())!);
    }
}
