namespace Approvals.Runtime.Approvals;

/// <summary>
/// Notice of committed approval changes, so a caller can wait for a request to change (long-poll)
/// instead of polling storage. Fed by this node's actors and by the change feed of other nodes.
/// A hint only: waiters re-read storage after waking.
/// </summary>
public sealed class ApprovalChanges
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Waiters> _waiting = new(StringComparer.Ordinal);

    /// <summary>
    /// Waits until <paramref name="approvalId"/> changes or <paramref name="timeout"/> passes on
    /// <paramref name="clock"/>; true when it changed.
    /// </summary>
    public async Task<bool> WaitAsync(string approvalId, TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        Waiters waiters;
        lock (_gate)
        {
            if (!_waiting.TryGetValue(approvalId, out waiters!))
            {
                _waiting[approvalId] = waiters = new Waiters();
            }
            waiters.Count++;
        }
        try
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var changed = waiters.Changed.Task;
            var finished = await Task.WhenAny(changed, Task.Delay(timeout, clock, stop.Token));
            await stop.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
            return finished == changed;
        }
        finally
        {
            lock (_gate)
            {
                // The last waiter out removes the entry, so ids nobody waits on leave nothing behind.
                if (--waiters.Count == 0 && _waiting.TryGetValue(approvalId, out var current) && current == waiters)
                {
                    _waiting.Remove(approvalId);
                }
            }
        }
    }

    /// <summary>Wakes everyone waiting on <paramref name="approvalId"/>.</summary>
    public void Publish(string approvalId)
    {
        Waiters? waiters;
        lock (_gate)
        {
            if (_waiting.Remove(approvalId, out waiters))
            {
                // Later waiters start a fresh entry; these are done.
            }
        }
        waiters?.Changed.TrySetResult();
    }

    private sealed class Waiters
    {
        public TaskCompletionSource Changed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Count { get; set; }
    }
}
