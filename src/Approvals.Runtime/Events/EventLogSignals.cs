using System.Runtime.CompilerServices;
using Approvals.Core.Events;

namespace Approvals.Runtime.Events;

/// <summary>
/// The origin of the request being served, for the events it causes. The server sets it per request;
/// an actor turn runs in its caller's async flow, so the actor sees it when it seals events. Timer-
/// and dispatcher-driven turns run outside any request and see null.
/// </summary>
public static class RequestAudit
{
    private static readonly AsyncLocal<AuditContext?> Holder = new();

    /// <summary>The current request's origin, or null outside a request.</summary>
    public static AuditContext? Current
    {
        get => Holder.Value;
        set => Holder.Value = value;
    }
}

/// <summary>
/// "The event log moved": a hint, pulsed by this process's actors after each commit and by the change
/// feed for every notice from other nodes, that wakes live readers (SSE) so they read the log once
/// instead of polling it. A hint only: readers re-read the log, and still re-read on a slow fallback
/// interval in case a notice was lost.
/// </summary>
/// <remarks>
/// One signal per store instance, found through <see cref="For"/>: the actors, the change feed and the
/// readers of one host share its store singleton, so they meet without more wiring, while two hosts in
/// one process (tests, or a server beside a tool) only wake each other through the change feed, as
/// two nodes do.
/// </remarks>
public sealed class EventLogSignal
{
    private static readonly ConditionalWeakTable<object, EventLogSignal> ByLog = new();

    private TaskCompletionSource _moved = NewSource();

    /// <summary>The signal of the event log behind <paramref name="store"/> (the store instance itself, whichever port it is seen through).</summary>
    public static EventLogSignal For(object store) => ByLog.GetValue(store, static _ => new EventLogSignal());

    /// <summary>
    /// Completes at the next <see cref="Pulse"/>. Take it before reading the log: a pulse between the
    /// read and the wait then still completes it, so no wake-up is lost.
    /// </summary>
    public Task Moved => Volatile.Read(ref _moved).Task;

    /// <summary>Wakes everyone waiting on <see cref="Moved"/>.</summary>
    public void Pulse() => Interlocked.Exchange(ref _moved, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
