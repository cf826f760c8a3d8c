using System.Diagnostics;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Grains.Abstractions;

namespace Approvals.Client.Cluster;

/// <summary>
/// One wait for a request's decision, woken by a grain observer. The observer is subscribed again every resubscribe
/// period (a grain forgets observers when its silo stops), and each subscription re-reads the request, so a lost
/// notification costs at most one period. When subscribing fails, the wait goes on with the grain's own long-poll
/// (<see cref="IApprovalGrain.WaitForChangeAsync"/>) and tries the observer again after it.
/// </summary>
internal sealed class DecisionWaiter(IGrainFactory grains, Caller caller, TimeProvider clock, TimeSpan resubscribePeriod, string userAgent,
    Action<ObserverActivity> report)
{
    private static readonly string Pending = WireNames.Of(ApprovalStatus.Pending);

    /// <summary>The request's status once it leaves <c>pending</c>, or as it is when <paramref name="timeout"/> has passed.</summary>
    public async Task<ApprovalStatusDto> WaitAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(caller.Tenant, id));
        var deadline = clock.GetUtcNow() + timeout;
        var signal = new Signal(() => report(new ObserverActivity(id, ObserverActivityKind.Notified)));
        var observer = grains.CreateObjectReference<IApprovalObserver>(signal);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var next = signal.Next;
                Replies.StampAudit(userAgent);
                ApprovalReply reply;
                var subscribed = true;
                try
                {
                    reply = await grain.SubscribeAsync(caller, observer).WaitAsync(cancellationToken);
                    report(new ObserverActivity(id, ObserverActivityKind.Subscribed));
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    subscribed = false;
                    report(new ObserverActivity(id, ObserverActivityKind.FellBack));
                    reply = await grain.GetAsync(caller).WaitAsync(cancellationToken);
                }
                var current = Replies.Unwrap(reply);
                var left = deadline - clock.GetUtcNow();
                if (current.Status != Pending || left <= TimeSpan.Zero)
                {
                    return current.ToStatusDto();
                }
                var wait = left < resubscribePeriod ? left : resubscribePeriod;
                if (subscribed)
                {
                    using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var period = Task.Delay(wait, clock, stop.Token);
                    await Task.WhenAny(next, period);
                    await stop.CancelAsync();
                    cancellationToken.ThrowIfCancellationRequested();
                }
                else
                {
                    Replies.StampAudit(userAgent);
                    var changed = Replies.Unwrap(await grain.WaitForChangeAsync(caller, current.Version, wait).WaitAsync(cancellationToken));
                    if (changed.Status != Pending)
                    {
                        return changed.ToStatusDto();
                    }
                }
            }
        }
        finally
        {
            // Not awaited: the answer is known, and the wait's caller should not pay a round trip for the clean-up
            // (the bench's wait-latency measured it in the p99).
            _ = ForgetAsync(grain, observer);
        }
    }

    private async Task ForgetAsync(IApprovalGrain grain, IApprovalObserver observer)
    {
        try
        {
            await grain.UnsubscribeAsync(observer);
        }
        catch (Exception) when (!Debugger.IsAttached)
        {
            // The subscription expires on its own (ApprovalGrainOptions.ObserverLifetime).
        }
        grains.DeleteObjectReference<IApprovalObserver>(observer);
    }

    /// <summary>The observer: each notification completes the current signal and arms a new one.</summary>
    private sealed class Signal(Action notified) : IApprovalObserver
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Next
        {
            get
            {
                lock (_gate)
                {
                    return _next.Task;
                }
            }
        }

        public void Changed(string changedId, long version, string status)
        {
            TaskCompletionSource fired;
            lock (_gate)
            {
                fired = _next;
                _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            notified();
            fired.TrySetResult();
        }
    }
}
