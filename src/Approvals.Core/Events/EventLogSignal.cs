namespace Approvals.Core.Events;

/// <summary>
/// "The event log moved": a hint, pulsed after each commit with events on this node (by the grain
/// storage) and for every notice of the change feed from other nodes, that wakes live readers (SSE) so
/// they read the log once instead of polling it. A hint only: readers re-read the log, and still re-read
/// on a slow fallback interval in case a notice was lost. One per node (a singleton of its container).
/// </summary>
public sealed class EventLogSignal
{
    private TaskCompletionSource _moved = NewSource();

    /// <summary>
    /// Completes at the next <see cref="Pulse"/>. Take it before reading the log: a pulse between the
    /// read and the wait then still completes it, so no wake-up is lost.
    /// </summary>
    public Task Moved => Volatile.Read(ref _moved).Task;

    /// <summary>Wakes everyone waiting on <see cref="Moved"/>.</summary>
    public void Pulse() => Interlocked.Exchange(ref _moved, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
