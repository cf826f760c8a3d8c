using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Runtime.Actors;

namespace Approvals.Runtime.Approvals;

/// <summary>
/// The actor of one approval request. It caches the last state it saw to save a read per command,
/// but never trusts the cache for a refusal or a write: writes are version-checked (a conflict
/// reloads and re-runs the command against the fresh state) and a refusal is only given after
/// the state was read fresh in the same turn.
/// </summary>
internal sealed class ApprovalActor(string id, ApprovalActorContext context)
{
    private StoredApproval? _current;

    public async Task<Result<ApprovalState>> HandleAsync(ApprovalCommand command, CommandOptions options, CancellationToken cancellationToken)
    {
        var fresh = false;
        if (_current is null)
        {
            _current = await context.Store.LoadApprovalAsync(id, cancellationToken);
            fresh = true;
        }
        for (var attempt = 0; ; attempt++)
        {
            var now = ApprovalValidation.Truncate(context.Clock.GetUtcNow());
            var decided = Precondition(command, options.IfMatch) ?? ApprovalStateMachine.Decide(_current?.State, command, now, context.Options);
            var catchingUp = decided.Error?.Code == DomainError.ExpiryDue;
            if (catchingUp)
            {
                // The deadline passed before the timer fired: commit the expiry first, then run the command against its result.
                decided = ApprovalStateMachine.Decide(_current!.State, new ApprovalCommand.Expire(Principal.System(_current.State.TenantId)), now, context.Options);
            }
            if (!decided.IsSuccess)
            {
                if (!fresh)
                {
                    _current = await context.Store.LoadApprovalAsync(id, cancellationToken);
                    fresh = true;
                    continue;
                }
                return decided.Error!;
            }

            var transition = decided.Value!;
            var write = BuildWrite(transition, now);
            if (!catchingUp && options.Idempotency is { } idempotent)
            {
                write = write with { Idempotency = idempotent.Complete(transition.State) };
            }
            var outcome = await context.Writer.WriteAsync(write, cancellationToken);
            if (outcome == WriteOutcome.Committed)
            {
                _current = new StoredApproval(transition.State, write.ChainHead);
                foreach (var timer in write.Timers)
                {
                    if (timer.DueAt is { } due)
                    {
                        context.Wakeup.Notify(due);
                    }
                }
                context.Changes.Publish(transition.State.Id);
                if (write.Events.Count > 0)
                {
                    Events.EventLogSignal.For(context.Store).Pulse();
                }
                if (catchingUp)
                {
                    continue;
                }
                return transition.State;
            }

            context.Metrics.Conflict(ActorKey.Approval, command.Operation);
            if (attempt >= context.HostOptions.MaxConflictRetries)
            {
                throw new ConcurrencyConflictException(id, write.ExpectedVersion, _current?.State.Version);
            }
            _current = await context.Store.LoadApprovalAsync(id, cancellationToken);
            fresh = true;
        }
    }

    private Result<ApprovalTransition>? Precondition(ApprovalCommand command, long? ifMatch)
    {
        // A final request answers already_resolved whatever version the caller holds.
        if (ifMatch is not { } expected || _current is not { State: var state } || state.IsFinal || !ApprovalStateMachine.IsVisibleTo(state, command.By))
        {
            return null;
        }
        if (state.Version == expected)
        {
            return null;
        }
        return Result<ApprovalTransition>.Failure(DomainError.PreconditionFailed(state.Version));
    }

    private ApprovalWrite BuildWrite(ApprovalTransition transition, DateTimeOffset now)
    {
        var previous = _current?.State;
        var state = transition.State;
        var events = EventSealing.SealAll(transition.Events, state.TenantId, state.Id, now, _current?.ChainHead);
        var key = ActorKey.ForApproval(state.Id);
        var timers = new List<TimerChange>(1);
        if (state.IsFinal)
        {
            timers.Add(new TimerChange(key, TimerChange.Expiry, null));
        }
        else if (previous is null || previous.ExpiresAt != state.ExpiresAt)
        {
            timers.Add(new TimerChange(key, TimerChange.Expiry, state.ExpiresAt));
        }
        return new ApprovalWrite(state, previous?.Version ?? 0, events, timers, _current?.ChainHead);
    }
}

/// <summary>What every approval actor shares.</summary>
internal sealed record ApprovalActorContext(
    IStateStore Store,
    GroupCommitWriter Writer,
    ApprovalOptions Options,
    ActorHostOptions HostOptions,
    TimeProvider Clock,
    ActorMetrics Metrics,
    Timers.TimerWakeup Wakeup,
    ApprovalChanges Changes);
