using Microsoft.Data.Sqlite;

namespace Approvals.Storage.Sqlite;

/// <summary>
/// SQLite carries one node: a second process serving the same database file would run its own
/// deadlines, reminders and event readers beside the first. A node holds an exclusive lock on a file
/// beside the database for as long as it runs, and a second one refuses to start, saying why.
/// </summary>
public sealed class SqliteSingleNodeLock : IDisposable
{
    private readonly FileStream? _lock;

    private SqliteSingleNodeLock(FileStream? held) => _lock = held;

    /// <summary>Takes the lock of the database <paramref name="connectionString"/> names (none for an in-memory one).</summary>
    /// <exception cref="SqliteDatabaseInUseException">Another node holds it.</exception>
    public static SqliteSingleNodeLock Acquire(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(builder.DataSource) || builder.DataSource == ":memory:")
        {
            return new SqliteSingleNodeLock(null);
        }
        var database = Path.GetFullPath(builder.DataSource);
        // A first run's data folder does not exist yet.
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        try
        {
            // FileShare.None is an exclusive (advisory) lock on Linux too, released when the process ends, however it ends.
            return new SqliteSingleNodeLock(new FileStream(database + ".node-lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException error)
        {
            throw new SqliteDatabaseInUseException(
                $"Another Approvals node already serves the SQLite database {database}; SQLite carries one node. "
                + "Stop the other one, give this one another Approvals:DataFolder, or run several nodes on PostgreSQL "
                + "(Approvals:Storage:Provider=postgres).", error);
        }
    }

    public void Dispose() => _lock?.Dispose();
}

/// <summary>Another node already serves this SQLite database; the message says what to do instead.</summary>
public sealed class SqliteDatabaseInUseException(string message, Exception inner) : InvalidOperationException(message, inner);
