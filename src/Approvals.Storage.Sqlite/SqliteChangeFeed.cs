using System.Runtime.CompilerServices;
using Approvals.Core.Storage;

namespace Approvals.Storage.Sqlite;

/// <summary>
/// The change feed of a single node, which has nothing to announce: every write to the file is made by
/// this process, which tells its own waiters in-process (and SQLite has no way to announce a commit).
/// </summary>
public sealed class SqliteChangeFeed : IChangeFeed
{
    /// <summary>Never yields; ends when <paramref name="cancellationToken"/> is cancelled.</summary>
    public async IAsyncEnumerable<EventLogMoved> ListenAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop: the sequence ends normally.
        }
        yield break;
    }
}
