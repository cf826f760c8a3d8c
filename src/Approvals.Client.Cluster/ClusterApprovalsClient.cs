using System.Diagnostics;
using System.Net;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Grains.Abstractions;

namespace Approvals.Client.Cluster;

/// <summary>
/// The operations of <see cref="IApprovalsClient"/> that one request's grain answers, made as grain calls from
/// inside the cluster (no HTTP hop). Refusals surface as <see cref="ApprovalsApiException"/> with the API's codes,
/// as over HTTP. The caller is the configured <see cref="Caller"/>; every call carries <see cref="CallAudit"/>.
/// An API key never decides: <see cref="ApproveAsync"/> and <see cref="RejectAsync"/> refuse it here, as the gateway does.
/// Queries across requests (lists, counts, events, audit) are the REST API's: use <see cref="ApprovalsClient"/> for them.
/// </summary>
public sealed class ClusterApprovalsClient
{
    private static readonly string Pending = WireNames.Of(ApprovalStatus.Pending);
    private readonly IGrainFactory _grains;
    private readonly Caller _caller;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _resubscribePeriod;
    private readonly string _userAgent;

    public ClusterApprovalsClient(IGrainFactory grains, Caller caller, TimeSpan resubscribePeriod, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(resubscribePeriod, TimeSpan.Zero);
        _grains = grains;
        _caller = caller;
        _clock = clock ?? TimeProvider.System;
        _resubscribePeriod = resubscribePeriod;
        _userAgent = $"approvals-cluster-client ({Environment.MachineName})";
    }

    /// <summary>What waiters' observers do: subscribed, notified, fell back to the long-poll.</summary>
    public event Action<ObserverActivity>? ObserverActivity;

    /// <summary>Files a request; its id is made here, as the gateway makes it.</summary>
    public async Task<ApprovalDto> CreateAsync(CreateApprovalRequest request, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = Ids.New("apr", _clock.GetUtcNow());
        return await ExecuteAsync(id, new ApprovalCall.Create(request), options, cancellationToken);
    }

    public async Task<ApprovalDto> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var grain = Grain(id);
        StampAudit();
        return Unwrap(await grain.GetAsync(_caller).WaitAsync(cancellationToken));
    }

    public async Task<ApprovalStatusDto> GetStatusAsync(string id, CancellationToken cancellationToken = default) =>
        ToStatus(await GetAsync(id, cancellationToken));

    public Task<ApprovalDto> ApproveAsync(string id, string? note = null, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        RefuseKeyDeciding();
        return ExecuteAsync(id, new ApprovalCall.Approve(note), options, cancellationToken);
    }

    public Task<ApprovalDto> RejectAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        RefuseKeyDeciding();
        return ExecuteAsync(id, new ApprovalCall.Reject(reason), options, cancellationToken);
    }

    public Task<ApprovalDto> CancelAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        ExecuteAsync(id, new ApprovalCall.Cancel(reason), options, cancellationToken);

    public Task<ApprovalDto> ExtendAsync(string id, DateTimeOffset expiresAt, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        ExecuteAsync(id, new ApprovalCall.Extend(expiresAt), options, cancellationToken);

    /// <summary>
    /// Waits until the request leaves <c>pending</c> or <paramref name="timeout"/> passes, and returns its status
    /// (still <c>pending</c> when the time ran out). A grain observer wakes the wait; it is subscribed again every
    /// resubscribe period (a grain forgets observers when its silo stops), and each subscription re-reads the
    /// request, so a lost notification costs at most one period. When subscribing fails, the wait goes on with the
    /// grain's own long-poll (<see cref="IApprovalGrain.WaitForChangeAsync"/>) and tries the observer again after it.
    /// </summary>
    public async Task<ApprovalStatusDto> WaitForDecisionAsync(string id, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var grain = Grain(id);
        var deadline = _clock.GetUtcNow() + timeout;
        var waiter = new Waiter(this, id);
        var observer = _grains.CreateObjectReference<IApprovalObserver>(waiter);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var next = waiter.Next;
                StampAudit();
                ApprovalReply reply;
                var subscribed = true;
                try
                {
                    reply = await grain.SubscribeAsync(_caller, observer).WaitAsync(cancellationToken);
                    Report(id, ObserverActivityKind.Subscribed);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    subscribed = false;
                    Report(id, ObserverActivityKind.FellBack);
                    reply = await grain.GetAsync(_caller).WaitAsync(cancellationToken);
                }
                var current = Unwrap(reply);
                var left = deadline - _clock.GetUtcNow();
                if (current.Status != Pending || left <= TimeSpan.Zero)
                {
                    return ToStatus(current);
                }
                var wait = left < _resubscribePeriod ? left : _resubscribePeriod;
                if (subscribed)
                {
                    using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var period = Task.Delay(wait, _clock, stop.Token);
                    await Task.WhenAny(next, period);
                    await stop.CancelAsync();
                    cancellationToken.ThrowIfCancellationRequested();
                }
                else
                {
                    StampAudit();
                    var changed = Unwrap(await grain.WaitForChangeAsync(_caller, current.Version, wait).WaitAsync(cancellationToken));
                    if (changed.Status != Pending)
                    {
                        return ToStatus(changed);
                    }
                }
            }
        }
        finally
        {
            try
            {
                await grain.UnsubscribeAsync(observer);
            }
            catch (Exception) when (!Debugger.IsAttached)
            {
                // The subscription expires on its own (ApprovalGrainOptions.ObserverLifetime).
            }
            _grains.DeleteObjectReference<IApprovalObserver>(observer);
        }
    }

    private async Task<ApprovalDto> ExecuteAsync(string id, ApprovalCall call, WriteOptions? options, CancellationToken cancellationToken)
    {
        if (options?.IdempotencyKey is not null)
        {
            // The gateway keeps idempotent replies per key; an in-cluster call has no such store yet.
            throw new NotSupportedException("Idempotency keys are not supported by the in-cluster client yet; use If-Match (WriteOptions.IfMatch).");
        }
        var grain = Grain(id);
        StampAudit();
        var reply = await grain.ExecuteAsync(_caller, call, new CallOptions(options?.IfMatch)).WaitAsync(cancellationToken);
        return Unwrap(reply);
    }

    private IApprovalGrain Grain(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (id.Contains('/', StringComparison.Ordinal))
        {
            throw new ApprovalsApiException(HttpStatusCode.NotFound, ErrorCodes.NotFound, $"Approval '{id}' was not found.", null);
        }
        return _grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(_caller.Tenant, id));
    }

    private void RefuseKeyDeciding()
    {
        if (_caller.Kind == CallerKind.Key)
        {
            throw new ApprovalsApiException(HttpStatusCode.Forbidden, ErrorCodes.Forbidden,
                "An API key cannot approve or reject; a person decides with their own token.", null);
        }
    }

    /// <summary>Where the calls of this flow come from, for the audit trail of the events they cause.</summary>
    private void StampAudit() =>
        CallAudit.Set(ip: null, _userAgent, Activity.Current?.TraceId.ToString() ?? CallAudit.Current?.CorrelationId);

    private static ApprovalDto Unwrap(ApprovalReply reply) =>
        reply.Approval ?? throw ToException(reply.Error!);

    private static ApprovalsApiException ToException(CallError error) =>
        new(StatusOf(error.Code), error.Code, error.Detail, null);

    private static HttpStatusCode StatusOf(string code) => code switch
    {
        ErrorCodes.NotFound => HttpStatusCode.NotFound,
        ErrorCodes.Forbidden or ErrorCodes.SelfApprovalForbidden or ErrorCodes.InsufficientApprovalLevel => HttpStatusCode.Forbidden,
        ErrorCodes.AlreadyResolved or ErrorCodes.AlreadyDecided => HttpStatusCode.Conflict,
        ErrorCodes.PreconditionFailed => HttpStatusCode.PreconditionFailed,
        ErrorCodes.ValidationError => HttpStatusCode.UnprocessableEntity,
        ErrorCodes.RateLimited => HttpStatusCode.TooManyRequests,
        _ => HttpStatusCode.BadRequest,
    };

    private static ApprovalStatusDto ToStatus(ApprovalDto a) => new(a.Id, a.Status, a.DecidedAt, a.DecidedBy, a.DecisionNote, a.Version);

    private void Report(string id, ObserverActivityKind kind) => ObserverActivity?.Invoke(new ObserverActivity(id, kind));

    /// <summary>The observer: each notification completes the current signal and arms a new one.</summary>
    private sealed class Waiter(ClusterApprovalsClient owner, string id) : IApprovalObserver
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
            owner.Report(id, ObserverActivityKind.Notified);
            fired.TrySetResult();
        }
    }
}
