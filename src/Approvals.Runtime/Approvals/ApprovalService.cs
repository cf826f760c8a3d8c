using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Runtime.Actors;
using Approvals.Runtime.Timers;
using Microsoft.Extensions.Options;

namespace Approvals.Runtime.Approvals;

/// <summary>The outcome of one id of a bulk decision.</summary>
public sealed record BulkItemResult(string Id, Result<ApprovalState> Outcome);

/// <summary>
/// What the gateway (and workflows, and timers) call: every approval command goes to the actor of
/// its id through the actor host; reads go to storage, which is the truth on every node.
/// </summary>
public sealed class ApprovalService : ITimerHandler, IDisposable
{
    /// <summary>The most ids one bulk call takes.</summary>
    public const int MaxBulkIds = 100;

    private readonly ActorHost<ApprovalActor> _host;
    private readonly IApprovalsStore _store;
    private readonly TimeProvider _clock;

    public ApprovalService(IApprovalsStore store, GroupCommitWriter writer, IOptions<ApprovalOptions> options,
        IOptions<ActorHostOptions> hostOptions, TimeProvider clock, ActorMetrics metrics, TimerWakeup wakeup, ApprovalChanges changes)
    {
        _store = store;
        _clock = clock;
        var context = new ApprovalActorContext(store, writer, options.Value, hostOptions.Value, clock, metrics, wakeup, changes);
        _host = new ActorHost<ApprovalActor>(ActorKey.Approval, id => new ApprovalActor(id, context), hostOptions.Value, clock, metrics);
    }

    /// <summary>How many approval actors are active on this node.</summary>
    public int ActiveActors => _host.ActiveCount;

    string ITimerHandler.ActorType => ActorKey.Approval;

    /// <summary>Files a new request on behalf of <paramref name="by"/>; the id is generated here.</summary>
    public Task<Result<ApprovalState>> CreateAsync(CreateApprovalRequest request, Principal by, CancellationToken cancellationToken,
        string? workflowId = null, string? workflowStep = null, CommandOptions? options = null)
    {
        var id = Ids.New("apr", _clock.GetUtcNow());
        return SendAsync(id, new ApprovalCommand.Create(id, request, by, workflowId, workflowStep), options, cancellationToken);
    }

    public Task<Result<ApprovalState>> ApproveAsync(string id, Principal by, string? note, long? ifMatch, CancellationToken cancellationToken) =>
        SendAsync(id, new ApprovalCommand.Approve(by, note), new CommandOptions(ifMatch), cancellationToken);

    public Task<Result<ApprovalState>> RejectAsync(string id, Principal by, string? reason, long? ifMatch, CancellationToken cancellationToken) =>
        SendAsync(id, new ApprovalCommand.Reject(by, reason), new CommandOptions(ifMatch), cancellationToken);

    public Task<Result<ApprovalState>> CancelAsync(string id, Principal by, string? reason, long? ifMatch, CancellationToken cancellationToken) =>
        SendAsync(id, new ApprovalCommand.Cancel(by, reason), new CommandOptions(ifMatch), cancellationToken);

    public Task<Result<ApprovalState>> ExtendAsync(string id, Principal by, DateTimeOffset expiresAt, long? ifMatch, CancellationToken cancellationToken) =>
        SendAsync(id, new ApprovalCommand.Extend(by, ApprovalValidation.Truncate(expiresAt)), new CommandOptions(ifMatch), cancellationToken);

    /// <summary>Runs any command on the actor of <paramref name="id"/> (the gateway's path, with If-Match and idempotency).</summary>
    public Task<Result<ApprovalState>> SendAsync(string id, ApprovalCommand command, CommandOptions? options, CancellationToken cancellationToken) =>
        _host.InvokeAsync(id, command.Operation, (actor, ct) => actor.HandleAsync(command, options ?? CommandOptions.None, ct), cancellationToken);

    /// <summary>A new approval id (the gateway files requests under ids it chose).</summary>
    public string NewId() => Ids.New("apr", _clock.GetUtcNow());

    /// <summary>Asks the actor to apply its deadline; it does nothing unless the deadline has passed.</summary>
    public Task<Result<ApprovalState>> ExpireAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(id, new ApprovalCommand.Expire(Principal.System(Principal.DefaultTenant)), null, cancellationToken);

    /// <summary>Decides each id on its own (≤ <see cref="MaxBulkIds"/>), in parallel; one failure never affects another.</summary>
    public async Task<IReadOnlyList<BulkItemResult>> DecideManyAsync(IReadOnlyList<string> ids, DecisionKind decision, Principal by, string? note,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ids.Count, MaxBulkIds);
        var results = await Task.WhenAll(ids.Select(async id => new BulkItemResult(id, decision == DecisionKind.Approve
            ? await ApproveAsync(id, by, note, null, cancellationToken)
            : await RejectAsync(id, by, note, null, cancellationToken))));
        return results;
    }

    /// <summary>The request as stored now, if it exists in the caller's tenant.</summary>
    public async Task<Result<ApprovalState>> GetAsync(string id, Principal by, CancellationToken cancellationToken)
    {
        var stored = await _store.LoadApprovalAsync(id, cancellationToken);
        return stored is not null && ApprovalStateMachine.IsVisibleTo(stored.State, by)
            ? stored.State
            : DomainError.NotFound(id);
    }

    /// <summary>A committed expiry or escalation removed or re-set the timer in its own write.</summary>
    async Task<bool> ITimerHandler.HandleAsync(DueTimer timer, CancellationToken cancellationToken) =>
        (await ExpireAsync(timer.Actor.Id, cancellationToken)).IsSuccess;

    public void Dispose() => _host.Dispose();
}
