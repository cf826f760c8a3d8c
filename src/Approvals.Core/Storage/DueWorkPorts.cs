using Approvals.Core.Workflows;

namespace Approvals.Core.Storage;

/// <summary>An approval or workflow run that has fallen due: whose it is, which one, and since when.</summary>
/// <param name="TenantId">The tenant (with <paramref name="Id"/>, the grain key).</param>
/// <param name="Id">The approval's or the run's id.</param>
/// <param name="DueAt">The approval's deadline, or when the run fell due (see <see cref="DueWork.WorkflowDueAt"/>).</param>
public sealed record DueItem(string TenantId, string Id, DateTimeOffset DueAt)
{
    /// <summary>Where a page that ends with this item resumes.</summary>
    public DuePosition Position => new(DueAt, Id);
}

/// <summary>A keyset position in a list ordered by due time, then id; a page resumes strictly after it.</summary>
public sealed record DuePosition(DateTimeOffset DueAt, string Id);

/// <summary>
/// What has fallen due while nothing could act on it, for the start-up catch-up: Orleans skips a reminder's
/// first tick that is already past, so deadlines missed while no silo ran are found here instead. Both reads
/// walk an index of what is due in due order and stop at <c>now</c>, so their cost follows what is overdue,
/// not what is pending.
/// </summary>
public interface IDueWorkStore
{
    /// <summary>
    /// Up to <paramref name="limit"/> pending approvals whose deadline is at or before <paramref name="now"/>,
    /// by deadline then id, after <paramref name="after"/> (exclusive; null from the start).
    /// </summary>
    Task<IReadOnlyList<DueItem>> ReadOverdueApprovalsAsync(DateTimeOffset now, int limit, DuePosition? after, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> workflow runs due at or before <paramref name="now"/> (a delay or task
    /// timeout that ended, or an effect not known to be carried out), by due time then id, after
    /// <paramref name="after"/> (exclusive; null from the start).
    /// </summary>
    Task<IReadOnlyList<DueItem>> ReadDueWorkflowsAsync(DateTimeOffset now, int limit, DuePosition? after, CancellationToken cancellationToken);

    /// <summary>
    /// Records that the effect of version <paramref name="version"/> of run <paramref name="workflowId"/> was
    /// carried out, so the run is due again only at <paramref name="wakeAt"/> (its delay or task timeout, null
    /// for none). Changes nothing once the run has moved past that version. A hint, not state: the version is
    /// not bumped, and losing it to a crash only means one more visit by the next catch-up.
    /// </summary>
    Task EffectDoneAsync(string workflowId, long version, DateTimeOffset? wakeAt, CancellationToken cancellationToken);
}

/// <summary>When stored rows fall due, computed the same way by every backend.</summary>
public static class DueWork
{
    /// <summary>
    /// When a run written with <paramref name="state"/> falls due: at once (its commit time) when it owes an
    /// effect, else when its delay or task timeout ends, else never (null). A final run is due only for an
    /// effect it owes (cancelling the approval it waited on).
    /// </summary>
    public static DateTimeOffset? WorkflowDueAt(WorkflowState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.PendingEffect is not null)
        {
            // Never later than a wake-up: the effect is owed now.
            return state.WakeAt is { } wakeAt && wakeAt < state.UpdatedAt ? wakeAt : state.UpdatedAt;
        }
        return state.IsFinal ? null : state.WakeAt;
    }
}
