using System.Collections.Concurrent;
using Approvals.Core.Approvals;

namespace Approvals.Runtime.Approvals;

/// <summary>
/// In-process notice of committed approval changes, so a caller can wait for a request to change
/// (long-poll) instead of polling storage. A hint only: waiters re-read storage after waking.
/// </summary>
public sealed class ApprovalChanges
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    /// <summary>A task that completes at the next committed change of <paramref name="approvalId"/> on this node.</summary>
    public Task NextChangeAsync(string approvalId) =>
        _waiters.GetOrAdd(approvalId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    internal void Publish(ApprovalState state)
    {
        if (_waiters.TryRemove(state.Id, out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}
