using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Approvals.Grains.Abstractions;
using Approvals.Grains.Approvals;
using Approvals.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Approvals.Grains.Workflows;

/// <summary>
/// One workflow run, with the approval grain's discipline: each call runs the pure
/// <see cref="WorkflowStateMachine"/> and writes with a version check; a lost race reloads and decides
/// again; a refusal is only given on fresh state. What a transition owes an approval (file the step's
/// request, cancel it) is a grain call right after the commit; a reminder registered before the
/// commit carries it out again after a crash (both are safe to repeat: the request's id is fixed by
/// the run and the step, and cancelling a resolved request changes nothing).
/// </summary>
public sealed class WorkflowGrain(
    [PersistentState("workflow", GroupCommitGrainStorage.Name)] IPersistentState<WorkflowRecord> record,
    IOptions<ApprovalOptions> approvalOptions,
    IOptions<WorkflowOptions> workflowOptions,
    IOptions<ApprovalGrainOptions> grainOptions,
    IDueWorkStore dueWork,
    TimeProvider clock,
    ILogger<WorkflowGrain> logger) : Grain, IWorkflowGrain, IRemindable
{
    /// <summary>The reminder of a run with something due: a delay, a task timeout or an effect.</summary>
    public const string DueReminder = "due";

    private string _tenant = "";
    private string _id = "";
    private IGrainTimer? _wakeTimer;
    private long _effectDoneAtVersion;

    private WorkflowState? Current => record.State.Current?.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenant, _id) = GrainKeys.Parse(this.GetPrimaryKeyString());
        // What fell due while no silo held this run is carried out now, not a reminder period later.
        await ApplyDueAsync();
    }

    public async Task<WorkflowReply> ExecuteAsync(Caller caller, WorkflowCall call, CallOptions options)
    {
        // The caller's word that nothing is stored served the activation's read; a read of this turn's own goes to the database.
        NewGrain.Forget();
        var by = caller.ToPrincipal();
        if (!string.Equals(by.TenantId, _tenant, StringComparison.Ordinal))
        {
            return WorkflowReply.Refused(NotFound().ToCallError());
        }
        WorkflowCommand command = call switch
        {
            WorkflowCall.Start start => new WorkflowCommand.Start(_id, start.Request, by),
            WorkflowCall.ReportTask report => new WorkflowCommand.ReportTask(report.Step, report.Succeeded, report.OutputJson, report.Error, by),
            WorkflowCall.Cancel cancel => new WorkflowCommand.Cancel(by, cancel.Reason),
            _ => throw new ArgumentOutOfRangeException(nameof(call), call.GetType().Name, "Unknown workflow call."),
        };
        var result = await RunAsync(command, options);
        return result.IsSuccess
            ? WorkflowReply.Of(result.Value!.ToDto([]))
            : WorkflowReply.Refused(result.Error!.ToCallError());
    }

    public Task<WorkflowReply> GetAsync(Caller caller)
    {
        var by = caller.ToPrincipal();
        return Task.FromResult(Current is { } state && string.Equals(by.TenantId, _tenant, StringComparison.Ordinal) && WorkflowStateMachine.IsVisibleTo(state, by)
            ? WorkflowReply.Of(state.ToDto([]))
            : WorkflowReply.Refused(NotFound().ToCallError()));
    }

    public Task ApprovalDecidedAsync(string approvalId, string status) => DeliverDecisionAsync(approvalId, status);

    public async Task DeliverDecisionAsync(string approvalId, string status)
    {
        if (Current is not null && WireNames.TryParseStatus(status, out var outcome))
        {
            // A decision the run does not wait on now (a repeat, an older step run) is refused by the core: nothing to do.
            await RunAsync(new WorkflowCommand.ApprovalDecided(approvalId, outcome, Principal.System(_tenant)), CallOptions.None);
        }
    }

    public async Task ApplyDueAsync()
    {
        if (Current is { WakeAt: { } wakeAt } && clock.GetUtcNow() >= wakeAt)
        {
            await RunAsync(new WorkflowCommand.Wake(Principal.System(_tenant)), CallOptions.None);
        }
        await CarryOutEffectAsync();
        ArmWakeTimer();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        await ApplyDueAsync();
        if (Current is not { WakeAt: not null } && !EffectOwed)
        {
            await UnregisterDueReminderAsync();
        }
    }

    private bool EffectOwed => Current is { PendingEffect: not null } state && _effectDoneAtVersion != state.Version;

    private DomainError NotFound() => Operations.WorkflowOperations.NotFound(_id);

    private async Task<Result<WorkflowState>> RunAsync(WorkflowCommand command, CallOptions callOptions)
    {
        var fresh = false;
        for (var attempt = 0; ; attempt++)
        {
            var now = ApprovalValidation.Truncate(clock.GetUtcNow());
            var decided = Precondition(command, callOptions.IfMatch)
                ?? WorkflowStateMachine.Decide(Current, command, now, approvalOptions.Value, workflowOptions.Value);
            if (!decided.IsSuccess)
            {
                if (!fresh)
                {
                    await record.ReadStateAsync();
                    fresh = true;
                    continue;
                }
                return decided.Error!;
            }

            var transition = decided.Value!;
            var stored = record.State.Current;
            var events = EventSealing.SealAll(transition.Events, transition.State.TenantId, transition.State.Id, now, stored?.ChainHead);
            var write = new WorkflowWrite(transition.State, stored?.State.Version ?? 0, events, stored?.ChainHead);
            if (callOptions.Idempotency is { } ticket)
            {
                var reply = WorkflowViews.Response(transition.State, [], ticket.SuccessStatus);
                write = write with
                {
                    Idempotency = new IdempotencyCompletion(ticket.Scope, ticket.Key, ticket.RequestHash, reply.Status, reply.Serialize(), ticket.ExpiresAt),
                };
            }
            if (transition.State.PendingEffect is not null
                || transition.State.WakeAt is { } wake && wake != Current?.WakeAt)
            {
                // Before the commit that needs it: an acknowledged delay, timeout or effect must survive any crash.
                await this.RegisterOrUpdateReminder(DueReminder, DueIn(transition.State.WakeAt ?? now), grainOptions.Value.ReminderPeriod);
            }

            record.State.Pending = write;
            try
            {
                await record.WriteStateAsync();
            }
            catch (InconsistentStateException) when (attempt < grainOptions.Value.MaxConflictRetries)
            {
                await record.ReadStateAsync();
                fresh = true;
                continue;
            }

            ArmWakeTimer();
            await CarryOutEffectAsync();
            if (Current!.IsFinal && !EffectOwed)
            {
                await UnregisterDueReminderAsync();
            }
            return Current;
        }
    }

    private Result<WorkflowTransition>? Precondition(WorkflowCommand command, long? ifMatch)
    {
        // A final workflow answers already_resolved whatever version the caller holds.
        if (ifMatch is not { } expected || Current is not { } state || state.IsFinal
            || !WorkflowStateMachine.IsVisibleTo(state, command.By) || state.Version == expected)
        {
            return null;
        }
        return Result<WorkflowTransition>.Failure(DomainError.PreconditionFailed(state.Version));
    }

    /// <summary>Carries out the effect the committed state owes, once per version of this activation.</summary>
    private async Task CarryOutEffectAsync()
    {
        if (!EffectOwed)
        {
            return;
        }
        var state = Current!;
        try
        {
            switch (state.PendingEffect)
            {
                case WorkflowEffect.FileApproval file:
                    await FileApprovalAsync(state, file);
                    break;
                case WorkflowEffect.CancelApproval cancel:
                    await Approval(cancel.ApprovalId).ExecuteAsync(Caller.System(_tenant), new ApprovalCall.Cancel("The workflow was cancelled."), CallOptions.None);
                    break;
            }
            _effectDoneAtVersion = state.Version;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            logger.LogWarning(error, "The effect of workflow {Workflow} failed; its reminder will carry it out again.", _id);
            return;
        }
        await RecordEffectDoneAsync(state);
    }

    /// <summary>
    /// Tells the due-work index the effect is done, so the start-up catch-up stops visiting the run (its state
    /// keeps the effect until the next transition). Best effort: if it fails, the next catch-up visits the run
    /// once more, finds nothing owed but the effect, and carries it out again, which is safe.
    /// </summary>
    private async Task RecordEffectDoneAsync(WorkflowState state)
    {
        try
        {
            await dueWork.EffectDoneAsync(state.Id, state.Version, state.WakeAt, CancellationToken.None);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            logger.LogWarning(error, "Could not record the effect of workflow {Workflow} as done; the next start-up catch-up visits it again.", _id);
        }
    }

    private async Task FileApprovalAsync(WorkflowState state, WorkflowEffect.FileApproval file)
    {
        // Filed on behalf of whoever started the run, as the same kind of principal, so the request's
        // requester checks (cancel, extend, self-approval) see the starter and no one else. The role or
        // scope only lets it file: starting the run was the permission that counts.
        var requester = state.CreatorKind() == PrincipalKind.ApiKey
            ? new Caller(CallerKind.Key, state.CreatedBy, null, _tenant, [], [Scopes.ApprovalsCreate], null)
            : new Caller(CallerKind.Person, state.CreatedBy, null, _tenant, [Roles.Requester], [], null);
        var filed = await Approval(file.ApprovalId).ExecuteAsync(requester, new ApprovalCall.Create(file.Request, state.Id, file.Step), CallOptions.None);
        if (!filed.IsSuccess && !(await Approval(file.ApprovalId).GetAsync(Caller.System(_tenant))).IsSuccess)
        {
            // The step's request cannot be filed (say its fixed deadline has passed): the step fails.
            logger.LogWarning("Workflow {Workflow} could not file approval {Approval}: {Detail}", _id, file.ApprovalId, filed.Error!.Detail);
            _effectDoneAtVersion = state.Version;
            await RunAsync(new WorkflowCommand.ApprovalDecided(file.ApprovalId, ApprovalStatus.Cancelled, Principal.System(_tenant),
                $"The approval could not be filed: {filed.Error.Detail}"), CallOptions.None);
        }
    }

    private IApprovalGrain Approval(string approvalId) => GrainFactory.GetGrain<IApprovalGrain>(GrainKeys.Approval(_tenant, approvalId));

    private void ArmWakeTimer()
    {
        _wakeTimer?.Dispose();
        _wakeTimer = null;
        if (Current is { WakeAt: { } wakeAt, IsFinal: false })
        {
            _wakeTimer = this.RegisterGrainTimer(ApplyDueAsync, new GrainTimerCreationOptions(DueIn(wakeAt), Timeout.InfiniteTimeSpan) { KeepAlive = false });
        }
    }

    private async Task UnregisterDueReminderAsync()
    {
        if (await this.GetReminder(DueReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private TimeSpan DueIn(DateTimeOffset at)
    {
        var due = at - clock.GetUtcNow();
        return due > TimeSpan.Zero ? due : TimeSpan.Zero;
    }
}
