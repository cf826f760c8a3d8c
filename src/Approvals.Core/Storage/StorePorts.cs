using Approvals.Contracts;
using Approvals.Core.Events;

namespace Approvals.Core.Storage;

/// <summary>Loads and saves actor state. Saves are version-checked and carry their events.</summary>
public interface IStateStore
{
    /// <summary>The approval with this id, or null.</summary>
    Task<StoredApproval?> LoadApprovalAsync(string id, CancellationToken cancellationToken);

    /// <summary>The workflow with this id, or null.</summary>
    Task<StoredWorkflow?> LoadWorkflowAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Commits a batch of writes (approval and workflow writes alike) in one transaction. Each write commits wholly (state, events,
    /// idempotent reply) or, on a version conflict, not at all, without failing the other writes. The result
    /// has one outcome per write, in order.
    /// </summary>
    Task<IReadOnlyList<WriteOutcome>> SaveAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken);
}

/// <summary>The append-only event log (appends happen inside <see cref="IStateStore.SaveAsync"/>).</summary>
public interface IEventLog
{
    /// <summary>
    /// Events with a sequence number above <paramref name="afterSeq"/>, in order. Never returns an
    /// event while one with a lower sequence number may still commit, so a reader that checkpoints
    /// the last sequence it saw never skips one.
    /// </summary>
    Task<IReadOnlyList<EventRecord>> ReadAfterAsync(long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>All events of one subject, oldest first.</summary>
    Task<IReadOnlyList<EventRecord>> ReadSubjectAsync(string subjectId, CancellationToken cancellationToken);
}

/// <summary>Durable idempotency keys with the hash of the request and the stored response.</summary>
public interface IIdempotencyStore
{
    /// <summary>
    /// Reserves <paramref name="key"/> in <paramref name="scope"/> for a request with
    /// <paramref name="requestHash"/>, unless an unexpired record exists (which is returned instead).
    /// Of concurrent callers with one key exactly one starts. A reservation that is still not
    /// completed <paramref name="takeOverAfter"/> after it was made is taken over (its owner died
    /// before committing: a completion commits with its state change, so nothing of it was kept).
    /// </summary>
    Task<IdempotencyClaim> TryBeginAsync(string scope, string key, string requestHash, DateTimeOffset now, TimeSpan retention,
        TimeSpan takeOverAfter, CancellationToken cancellationToken);

    /// <summary>Stores the response of a started key.</summary>
    Task CompleteAsync(string scope, string key, int statusCode, string? responseBody, CancellationToken cancellationToken);

    /// <summary>Releases a started key whose request failed without a response worth replaying.</summary>
    Task AbandonAsync(string scope, string key, CancellationToken cancellationToken);

    /// <summary>Deletes records that expired before <paramref name="now"/>; returns how many.</summary>
    Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>The read side behind list and count.</summary>
public interface IApprovalQueries
{
    /// <summary>A page of approvals matching <paramref name="query"/>, in its <see cref="ApprovalQuery.Order"/>.</summary>
    Task<Page<Approvals.ApprovalState>> ListAsync(ApprovalQuery query, CancellationToken cancellationToken);

    /// <summary>How many approvals of the tenant have <paramref name="status"/>.</summary>
    Task<long> CountAsync(string tenantId, ApprovalStatus status, CancellationToken cancellationToken);

    /// <summary>How many approvals of the tenant have each status (every status present, 0 when none).</summary>
    Task<IReadOnlyDictionary<ApprovalStatus, long>> CountByStatusAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// How many approvals of all tenants together have each status (every status present, 0 when none), from the
    /// same counters as <see cref="CountByStatusAsync"/>: what the server's metrics report, at the cost of a few rows.
    /// </summary>
    Task<IReadOnlyDictionary<ApprovalStatus, long>> CountAllByStatusAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Tells this node that the event log moved on another node, so its live readers of the log (SSE
/// streams, webhook fan-out) read it at once instead of on their fallback interval. A hint only:
/// receivers re-read the log from their own position and never trust a notice for content. Delivery is
/// at-most-once (a reconnect may miss notices), which the readers' slow fallback re-read covers; notices
/// of several commits may arrive as one or in bursts.
/// </summary>
public interface IChangeFeed
{
    /// <summary>
    /// Yields a notice for each committed batch that appended events (on any node), until cancelled.
    /// Batches that appended nothing (or committed nothing) send none. On a single-node backend it may
    /// never yield: the grain storage pulses the in-process signal after its own commits.
    /// </summary>
    IAsyncEnumerable<EventLogMoved> ListenAsync(CancellationToken cancellationToken);
}

/// <summary>A change-feed notice: a batch committed events, the last of them with sequence number <paramref name="UpTo"/>.</summary>
/// <param name="UpTo">
/// The highest sequence number the announcing batch appended. Informational (logs, tests): a reader still
/// reads after its own position, as the log may hold more by the time it reads.
/// </param>
public readonly record struct EventLogMoved(long UpTo);

/// <summary>The read side behind the workflow list.</summary>
public interface IWorkflowQueries
{
    /// <summary>A page of workflows matching <paramref name="query"/>, newest first.</summary>
    Task<Page<Workflows.WorkflowState>> ListWorkflowsAsync(WorkflowQuery query, CancellationToken cancellationToken);
}

/// <summary>Where event-log consumers keep their position, so a restart resumes instead of starting over.</summary>
public interface ICheckpointStore
{
    /// <summary>The last sequence number <paramref name="consumer"/> finished, or 0.</summary>
    Task<long> ReadCheckpointAsync(string consumer, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="consumer"/> finished everything up to <paramref name="seq"/>; never moves backwards.</summary>
    Task SaveCheckpointAsync(string consumer, long seq, CancellationToken cancellationToken);
}

/// <summary>The database behind a backend's store ports as a whole: its schema and whether it answers.</summary>
public interface IStoreDatabase
{
    /// <summary>Applies the embedded migrations that are not applied yet. Safe to run on several nodes at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>True when the database answers.</summary>
    Task<bool> IsReachableAsync(CancellationToken cancellationToken);
}
