using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Approvals.Storage.Sqlite;

/// <summary>
/// What every user of one database file shares in this process: the normalised connection string and
/// the file's write gate. The store ports (through <see cref="SqliteStoreDatabase"/>) and the reminder table
/// are separate objects over the same file.
/// </summary>
internal static class SqliteDatabaseFile
{
    // Per file, for the life of the process: a semaphore holds no unmanaged resource until its wait
    // handle is asked for, and an application opens a handful of files.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> WriteGates = new(StringComparer.Ordinal);

    /// <summary>The connection string with pooling on; creates the file's folder, which SQLite will not.</summary>
    public static string Prepare(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = true };
        if (!IsInMemory(builder))
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }
        return builder.ToString();
    }

    /// <summary>
    /// The one writer's turn for the file of <paramref name="connectionString"/>. SQLite lets one writer in
    /// at a time anyway; writers of this process queue here and are handed the turn at once, whereas
    /// writers that meet inside SQLite wait in its busy handler, which polls with sleeps of up to 100 ms.
    /// Other processes (a CLI on the same file) still meet our writers inside SQLite (busy_timeout).
    /// </summary>
    public static SemaphoreSlim WriteGate(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        // Two spellings of one path share a gate. A private :memory: database is one per connection, so
        // no gate can matter to it; a named shared-cache one is one per name.
        var key = IsInMemory(builder) ? $"memory:{builder.DataSource}" : Path.GetFullPath(builder.DataSource);
        return WriteGates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
    }

    private static bool IsInMemory(SqliteConnectionStringBuilder builder) =>
        builder.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(builder.DataSource) || builder.DataSource == ":memory:";
}
