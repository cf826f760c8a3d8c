using Approvals.Core.Storage;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Approvals.Storage.Sqlite;

/// <summary>
/// The embedded backend's database: one SQLite file in WAL mode, for a single node, which every SQLite
/// store port is built over. Writes are serialised in-process (SQLite has one writer anyway), so a batch
/// is one IMMEDIATE transaction and one fsync, and event sequence numbers are assigned in commit order.
/// </summary>
public sealed class SqliteStoreDatabase : IStoreDatabase
{
    private readonly string _connectionString;

    // Shared with every other writer of this file in the process (the reminder table): see SqliteDatabaseFile.
    private readonly SemaphoreSlim _writeLock;

    /// <summary>Uses the database named by <paramref name="connectionString"/> (e.g. <c>Data Source=./data/approvals.db</c>).</summary>
    public SqliteStoreDatabase(string connectionString)
    {
        _connectionString = SqliteDatabaseFile.Prepare(connectionString);
        _writeLock = SqliteDatabaseFile.WriteGate(_connectionString);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenForWriteAsync(cancellationToken);
            // WAL lets readers run beside the one writer; the setting is stored in the file.
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL;");
            await SqliteMigrator.ApplyAsync(connection, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            return await connection.ExecuteScalarAsync<long>("SELECT 1;") == 1;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    /// <summary>An open pooled connection for reading.</summary>
    internal async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one durable IMMEDIATE transaction, as this process's one writer of the file,
    /// and commits it.
    /// </summary>
    internal async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenForWriteAsync(cancellationToken);
            // BEGIN IMMEDIATE: take the write lock up front rather than failing to upgrade later.
            await using var transaction = connection.BeginTransaction(deferred: false);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> as this process's one writer of the file, leaving the connection, its
    /// durability and its transaction to the work: for a write that is a hint and need not cost an fsync.
    /// </summary>
    internal async Task InWriteTurnAsync(Func<Task> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await work();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<SqliteConnection> OpenForWriteAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        // FULL: a commit is on disk before it is acknowledged (group commit pays for the fsync).
        // busy_timeout: another process (a CLI, a second server by mistake) waits instead of failing.
        await connection.ExecuteAsync("PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
        return connection;
    }
}
