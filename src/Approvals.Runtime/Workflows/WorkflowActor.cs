using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Approvals.Runtime.Actors;

namespace Approvals.Runtime.Workflows;

/// <summary>
/// The actor of one workflow run, with the approval actor's discipline: cached state only saves a
/// read, every write is version-checked (a conflict reloads and re-decides), a refusal is only
/// given on fresh state.
/// </summary>
internal sealed class WorkflowActor(string id, WorkflowActorContext context)
{
    private StoredWorkflow? _current;

    public WorkflowState? Current => _current?.State;

    public async Task<Result<WorkflowState>> HandleAsync(WorkflowCommand command, long? ifMatch, Approvals.IdempotentRequest? idempotency, CancellationToken cancellationToken)
    {
        var fresh = false;
        if (_current is null)
        {
            _current = await context.Store.LoadWorkflowAsync(id, cancellationToken);
            fresh = true;
        }
        for (var attempt = 0; ; attempt++)
        {
            var now = ApprovalValidation.Truncate(context.Clock.GetUtcNow());
            var decided = Precondition(command, ifMatch) ?? WorkflowStateMachine.Decide(_current?.State, command, now, context.ApprovalOptions, context.Options);
            if (!decided.IsSuccess)
            {
                if (!fresh)
                {
                    _current = await context.Store.LoadWorkflowAsync(id, cancellationToken);
                    fresh = true;
                    continue;
                }
                return decided.Error!;
            }
            var write = BuildWrite(decided.Value!, now);
            if (idempotency is not null)
            {
                write = write with { Idempotency = idempotency.Complete(decided.Value!.State) };
            }
            if (await context.Writer.WriteAsync(write, cancellationToken) == WriteOutcome.Committed)
            {
                _current = new StoredWorkflow(decided.Value!.State, write.ChainHead);
                if (write.Events.Count > 0)
                {
                    Events.EventLogSignal.For(context.Store).Pulse();
                }
                foreach (var timer in write.Timers)
                {
                    if (timer.DueAt is { } due)
                    {
                        context.Wakeup.Notify(due);
                    }
                }
                return decided.Value!.State;
            }
            context.Metrics.Conflict(ActorKey.Workflow, command.Operation);
            if (attempt >= context.HostOptions.MaxConflictRetries)
            {
                throw new Approvals.ConcurrencyConflictException(id, write.ExpectedVersion, _current?.State.Version);
            }
            _current = await context.Store.LoadWorkflowAsync(id, cancellationToken);
            fresh = true;
        }
    }

    private Result<WorkflowTransition>? Precondition(WorkflowCommand command, long? ifMatch)
    {
        // A final workflow answers already_resolved whatever version the caller holds.
        if (ifMatch is not { } expected || _current is not { State: var state } || state.IsFinal
            || !WorkflowStateMachine.IsVisibleTo(state, command.By) || state.Version == expected)
        {
            return null;
        }
        return Result<WorkflowTransition>.Failure(DomainError.PreconditionFailed(state.Version));
    }

    private WorkflowWrite BuildWrite(WorkflowTransition transition, DateTimeOffset now)
    {
        var previous = _current?.State;
        var state = transition.State;
        var events = EventSealing.SealAll(transition.Events, state.TenantId, state.Id, now, _current?.ChainHead);
        var key = ActorKey.ForWorkflow(state.Id);
        var timers = new List<TimerChange>(2);
        if (state.WakeAt != previous?.WakeAt)
        {
            timers.Add(new TimerChange(key, TimerChange.Wake, state.WakeAt));
        }
        if (state.PendingEffect is not null)
        {
            // Due now: the timer service carries the effect out right after this commit, and again after a crash.
            timers.Add(new TimerChange(key, TimerChange.Effect, now));
        }
        return new WorkflowWrite(state, previous?.Version ?? 0, events, timers, _current?.ChainHead);
    }
}

/// <summary>What every workflow actor shares.</summary>
internal sealed record WorkflowActorContext(
    IStateStore Store,
    GroupCommitWriter Writer,
    ApprovalOptions ApprovalOptions,
    WorkflowOptions Options,
    ActorHostOptions HostOptions,
    TimeProvider Clock,
    ActorMetrics Metrics,
    Timers.TimerWakeup Wakeup);
