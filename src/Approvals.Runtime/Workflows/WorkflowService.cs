using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Approvals.Runtime.Actors;
using Approvals.Runtime.Approvals;
using Approvals.Runtime.Timers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Approvals.Runtime.Workflows;

/// <summary>
/// What the gateway, the event dispatcher and the timers call for workflows: every command goes to
/// the actor of its workflow; effects on approvals run after the workflow's write committed.
/// </summary>
public sealed class WorkflowService : ITimerHandler, IDisposable
{
    private readonly ActorHost<WorkflowActor> _host;
    private readonly IApprovalsStore _store;
    private readonly ApprovalService _approvals;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public WorkflowService(IApprovalsStore store, GroupCommitWriter writer, ApprovalService approvals, IOptions<ApprovalOptions> approvalOptions,
        IOptions<WorkflowOptions> options, IOptions<ActorHostOptions> hostOptions, TimeProvider clock, ActorMetrics metrics, TimerWakeup wakeup,
        ILogger<WorkflowService> logger)
    {
        _store = store;
        _approvals = approvals;
        _clock = clock;
        _logger = logger;
        var context = new WorkflowActorContext(store, writer, approvalOptions.Value, options.Value, hostOptions.Value, clock, metrics, wakeup);
        _host = new ActorHost<WorkflowActor>(ActorKey.Workflow, id => new WorkflowActor(id, context), hostOptions.Value, clock, metrics);
    }

    string ITimerHandler.ActorType => ActorKey.Workflow;

    public Task<Result<WorkflowState>> StartAsync(CreateWorkflowRequest request, Principal by, CancellationToken cancellationToken,
        IdempotentRequest? idempotency = null)
    {
        var id = Ids.New("wf", _clock.GetUtcNow());
        return SendAsync(id, new WorkflowCommand.Start(id, request, by), cancellationToken, idempotency);
    }

    public Task<Result<WorkflowState>> ReportTaskAsync(string id, string step, bool succeeded, string? outputJson, string? error, Principal by,
        CancellationToken cancellationToken) =>
        SendAsync(id, new WorkflowCommand.ReportTask(step, succeeded, outputJson, error, by), cancellationToken);

    public Task<Result<WorkflowState>> CancelAsync(string id, Principal by, string? reason, CancellationToken cancellationToken) =>
        SendAsync(id, new WorkflowCommand.Cancel(by, reason), cancellationToken);

    /// <summary>Tells a workflow that an approval it may wait on reached a final status (at least once; repeats are ignored).</summary>
    public Task<Result<WorkflowState>> ApprovalDecidedAsync(string workflowId, string approvalId, ApprovalStatus outcome, CancellationToken cancellationToken) =>
        SendAsync(workflowId, new WorkflowCommand.ApprovalDecided(approvalId, outcome, Principal.System(Principal.DefaultTenant)), cancellationToken);

    /// <summary>The workflow as stored now, if it exists in the caller's tenant.</summary>
    public async Task<Result<WorkflowState>> GetAsync(string id, Principal by, CancellationToken cancellationToken)
    {
        var stored = await _store.LoadWorkflowAsync(id, cancellationToken);
        return stored is not null && WorkflowStateMachine.IsVisibleTo(stored.State, by)
            ? stored.State
            : new DomainError(ErrorCodes.NotFound, $"No workflow '{id}' exists.");
    }

    /// <summary>
    /// Runs any command on the actor of workflow <paramref name="id"/> (If-Match checked, an idempotent
    /// response stored with its write). An effect the transition owes another actor is carried out
    /// right after the commit, so callers see its result at once; its durable timer stays the backstop.
    /// </summary>
    public async Task<Result<WorkflowState>> SendAsync(string id, WorkflowCommand command, CancellationToken cancellationToken,
        IdempotentRequest? idempotency = null, long? ifMatch = null)
    {
        var result = await _host.InvokeAsync(id, command.Operation, (actor, ct) => actor.HandleAsync(command, ifMatch, idempotency, ct), cancellationToken);
        if (result is { IsSuccess: true, Value.PendingEffect: not null })
        {
            try
            {
                await RunEffectAsync(id, cancellationToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                _logger.LogWarning(error, "The effect of workflow {Workflow} failed; its timer will retry it.", id);
            }
        }
        return result;
    }

    async Task<bool> ITimerHandler.HandleAsync(DueTimer timer, CancellationToken cancellationToken)
    {
        if (timer.Name == TimerChange.Wake)
        {
            // A committed wake removed or re-set the timer in its own write.
            return (await SendAsync(timer.Actor.Id, new WorkflowCommand.Wake(Principal.System(Principal.DefaultTenant)), cancellationToken)).IsSuccess;
        }
        await RunEffectAsync(timer.Actor.Id, cancellationToken);
        return false;
    }

    /// <summary>
    /// Carries out the workflow's pending effect. Safe to repeat: the approval it files has an id
    /// fixed by the workflow and the step run, and cancelling a resolved approval changes nothing.
    /// </summary>
    private async Task RunEffectAsync(string workflowId, CancellationToken cancellationToken)
    {
        var stored = await _store.LoadWorkflowAsync(workflowId, cancellationToken);
        switch (stored?.State.PendingEffect)
        {
            case WorkflowEffect.FileApproval file:
                var state = stored.State;
                // Filed on behalf of whoever started the workflow, as the same kind of principal, so the
                // request's requester checks (cancel, extend, self-approval) see the starter and no one else.
                // The scope and role only let it file: starting the workflow was the permission that counts.
                var requester = state.CreatorKind() == PrincipalKind.ApiKey
                    ? Principal.Key(state.CreatedBy, null, [Scopes.ApprovalsCreate], state.TenantId)
                    : Principal.Person(state.CreatedBy, null, [Roles.Requester], state.TenantId);
                var filed = await _approvals.SendAsync(file.ApprovalId,
                    new ApprovalCommand.Create(file.ApprovalId, file.Request, requester, state.Id, file.Step), null, cancellationToken);
                if (!filed.IsSuccess && !await ExistsAsync(file.ApprovalId, cancellationToken))
                {
                    // The step's request cannot be filed (say its fixed deadline has passed): the step fails.
                    _logger.LogWarning("Workflow {Workflow} could not file approval {Approval}: {Detail}", workflowId, file.ApprovalId, filed.Error!.Detail);
                    await SendAsync(workflowId, new WorkflowCommand.ApprovalDecided(file.ApprovalId, ApprovalStatus.Cancelled,
                        Principal.System(state.TenantId), $"The approval could not be filed: {filed.Error.Detail}"), cancellationToken);
                }
                break;
            case WorkflowEffect.CancelApproval cancel:
                await _approvals.CancelAsync(cancel.ApprovalId, Principal.System(stored.State.TenantId), "The workflow was cancelled.", null, cancellationToken);
                break;
        }
    }

    private async Task<bool> ExistsAsync(string approvalId, CancellationToken cancellationToken) =>
        await _store.LoadApprovalAsync(approvalId, cancellationToken) is not null;

    public void Dispose() => _host.Dispose();
}
