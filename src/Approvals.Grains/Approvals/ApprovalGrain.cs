using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Microsoft.Extensions.Options;
using Approvals.Grains.Storage;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Orleans.Utilities;

namespace Approvals.Grains.Approvals;

/// <summary>
/// One approval request. Each call is a turn: run the pure state machine of <see cref="ApprovalStateMachine"/>
/// on the state held, then write with a version check through <see cref="GroupCommitGrainStorage"/>. A lost
/// race (another activation wrote first, e.g. on a node that was declared dead and resumed) reloads and
/// decides again; a refusal is only ever given on state read fresh in the same call. The deadline is
/// the state's, never a tick's: a reminder (durable) and, while active, a grain timer (precise) only
/// ask the grain to compare the clock with it, as every command and every activation does.
/// </summary>
public sealed class ApprovalGrain(
    [PersistentState("approval", GroupCommitGrainStorage.Name)] IPersistentState<ApprovalRecord> record,
    IOptions<ApprovalOptions> options,
    IOptions<ApprovalGrainOptions> grainOptions,
    TimeProvider clock,
    ApprovalMetrics metrics,
    ILogger<ApprovalGrain> logger) : Grain, IApprovalGrain, IRemindable
{
    /// <summary>The reminder that brings a request back to apply its deadline after a restart or a move.</summary>
    public const string DeadlineReminder = "deadline";

    private string _tenant = "";
    private string _id = "";
    private TaskCompletionSource _changed = NewSignal();
    private IGrainTimer? _deadlineTimer;
    private IGrainReminder? _deadlineReminder;
    // Made on the first subscription: most requests are never waited on by an in-cluster client, and every
    // active request would otherwise hold one.
    private ObserverManager<IApprovalObserver>? _observers;

    private ApprovalState? Current => record.State.Current?.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenant, _id) = GrainKeys.Parse(this.GetPrimaryKeyString());
        // A deadline that passed while no silo held this request is applied now, not a reminder period later.
        await ApplyDeadlineAsync();
        ArmDeadlineTimer();
    }

    public async Task<ApprovalReply> ExecuteAsync(Caller caller, ApprovalCall call, CallOptions options)
    {
        // The caller's word that nothing is stored served the activation's read; a read of this turn's own goes to the database.
        NewGrain.Forget();
        var by = caller.ToPrincipal();
        if (!string.Equals(by.TenantId, _tenant, StringComparison.Ordinal))
        {
            return ApprovalReply.Refused(DomainError.NotFound(_id).ToCallError());
        }
        var result = await RunAsync(ToCommand(call, by), options);
        return result.IsSuccess ? ApprovalReply.Of(result.Value!.ToDto()) : ApprovalReply.Refused(result.Error!.ToCallError());
    }

    public Task<ApprovalReply> GetAsync(Caller caller) => Task.FromResult(Show(caller));

    public Task<ApprovalReview> ReviewAsync(Caller caller)
    {
        var reply = Show(caller);
        if (reply.Approval is null)
        {
            return Task.FromResult(new ApprovalReview(reply, null));
        }
        // A trial of the decision itself, never written: approve and reject pass the same checks, so the
        // page's answer is the one the state machine gives, with no second copy of the rules.
        var trial = ApprovalStateMachine.Decide(Current, new ApprovalCommand.Approve(caller.ToPrincipal(), null),
            ApprovalValidation.Truncate(clock.GetUtcNow()), options.Value);
        return Task.FromResult(new ApprovalReview(reply, trial.Error?.ToCallError()));
    }

    public async Task<ApprovalReply> WaitForChangeAsync(Caller caller, long knownVersion, TimeSpan wait)
    {
        var reply = Show(caller);
        if (reply.Approval is { } approval && approval.Version == knownVersion && Current is { IsFinal: false })
        {
            try
            {
                await _changed.Task.WaitAsync(wait, clock);
            }
            catch (TimeoutException)
            {
                // The wait ended without a change: the caller gets the request as it is.
            }
            reply = Show(caller);
        }
        return reply;
    }

    public Task<ApprovalReply> SubscribeAsync(Caller caller, IApprovalObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var reply = Show(caller);
        if (reply.IsSuccess)
        {
            _observers ??= new ObserverManager<IApprovalObserver>(grainOptions.Value.ObserverLifetime, logger);
            _observers.Subscribe(observer, observer);
        }
        return Task.FromResult(reply);
    }

    public Task UnsubscribeAsync(IApprovalObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers?.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task ApplyDeadlineAsync()
    {
        if (Current is { IsFinal: false } pending && clock.GetUtcNow() >= pending.ExpiresAt)
        {
            await RunAsync(new ApprovalCommand.Expire(Principal.System(pending.TenantId)), CallOptions.None);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        await ApplyDeadlineAsync();
        if (Current is null or { IsFinal: true })
        {
            // Registered for a write that then lost its race, or left over from a final commit.
            await UnregisterDeadlineReminderAsync();
        }
    }

    private ApprovalReply Show(Caller caller)
    {
        var by = caller.ToPrincipal();
        return Current is { } state && string.Equals(by.TenantId, _tenant, StringComparison.Ordinal) && ApprovalStateMachine.IsVisibleTo(state, by)
            ? ApprovalReply.Of(state.ToDto())
            : ApprovalReply.Refused(DomainError.NotFound(_id).ToCallError());
    }

    private ApprovalCommand ToCommand(ApprovalCall call, Principal by) => call switch
    {
        ApprovalCall.Create create => new ApprovalCommand.Create(_id, create.Request, by, create.WorkflowId, create.WorkflowStep),
        ApprovalCall.Approve approve => new ApprovalCommand.Approve(by, approve.Note),
        ApprovalCall.Reject reject => new ApprovalCommand.Reject(by, reject.Reason),
        ApprovalCall.Cancel cancel => new ApprovalCommand.Cancel(by, cancel.Reason),
        ApprovalCall.Extend extend => new ApprovalCommand.Extend(by, ApprovalValidation.Truncate(extend.ExpiresAt)),
        _ => throw new ArgumentOutOfRangeException(nameof(call), call.GetType().Name, "Unknown approval call."),
    };

    private async Task<Result<ApprovalState>> RunAsync(ApprovalCommand command, CallOptions callOptions)
    {
        var fresh = false;
        for (var attempt = 0; ; attempt++)
        {
            var now = ApprovalValidation.Truncate(clock.GetUtcNow());
            var decided = Precondition(command, callOptions.IfMatch) ?? ApprovalStateMachine.Decide(Current, command, now, options.Value);
            var catchingUp = decided.Error?.Code == DomainError.ExpiryDue;
            if (catchingUp)
            {
                // The deadline passed before anything applied it: commit the expiry first, then decide the command on its result.
                decided = ApprovalStateMachine.Decide(Current, new ApprovalCommand.Expire(Principal.System(Current!.TenantId)), now, options.Value);
            }
            var expiry = catchingUp || command is ApprovalCommand.Expire;
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
            var write = BuildWrite(transition, now);
            if (!catchingUp && callOptions.Idempotency is { } ticket)
            {
                var reply = ApprovalViews.Reply(transition.State, ticket.SuccessStatus);
                write = write with
                {
                    Idempotency = new IdempotencyCompletion(ticket.Scope, ticket.Key, ticket.RequestHash, reply.Status, reply.Serialize(), ticket.ExpiresAt),
                };
            }
            if (!transition.State.IsFinal && transition.State.ExpiresAt != Current?.ExpiresAt)
            {
                // Before the commit that needs it: once the commit is acknowledged, its deadline must survive any crash.
                _deadlineReminder = await this.RegisterOrUpdateReminder(DeadlineReminder, DueIn(transition.State.ExpiresAt), grainOptions.Value.ReminderPeriod);
            }

            var before = Current;
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

            // Only here, once the write is committed: a lost race above decides again and is counted by its own commit.
            metrics.Committed(before, transition.State, expiry, now);
            AfterCommit();
            if (Current!.IsFinal)
            {
                // Not awaited: the decision is committed and the caller need not wait for the clean-up. If it
                // fails (or the silo stops first) the reminder's next tick finds the request final and removes it.
                RemoveDeadlineReminderInBackground();
                if (Current.WorkflowId is { } workflowId)
                {
                    // Right after the commit; one-way, so a run that cancelled this request is never waited on.
                    // The event-log dispatcher delivers it again if this message is lost.
                    await GrainFactory.GetGrain<IWorkflowGrain>(GrainKeys.Workflow(_tenant, workflowId))
                        .ApprovalDecidedAsync(_id, WireNames.Of(Current.Status));
                }
            }
            if (catchingUp)
            {
                continue;
            }
            return transition.State;
        }
    }

    private Result<ApprovalTransition>? Precondition(ApprovalCommand command, long? ifMatch)
    {
        // A final request answers already_resolved whatever version the caller holds.
        if (ifMatch is not { } expected || Current is not { } state || state.IsFinal || !ApprovalStateMachine.IsVisibleTo(state, command.By)
            || state.Version == expected)
        {
            return null;
        }
        return Result<ApprovalTransition>.Failure(DomainError.PreconditionFailed(state.Version));
    }

    private ApprovalWrite BuildWrite(ApprovalTransition transition, DateTimeOffset now)
    {
        var stored = record.State.Current;
        var events = EventSealing.SealAll(transition.Events, transition.State.TenantId, transition.State.Id, now, stored?.ChainHead);
        return new ApprovalWrite(transition.State, stored?.State.Version ?? 0, events, stored?.ChainHead);
    }

    /// <summary>Wakes the long-polls and re-arms the in-memory deadline for the committed state.</summary>
    private void AfterCommit()
    {
        var waiters = _changed;
        _changed = NewSignal();
        waiters.TrySetResult();
        if (Current is { } state && _observers is { Count: > 0 })
        {
            var status = WireNames.Of(state.Status);
            _observers.Notify(observer => observer.Changed(_id, state.Version, status));
        }
        ArmDeadlineTimer();
    }

    private void ArmDeadlineTimer()
    {
        _deadlineTimer?.Dispose();
        _deadlineTimer = null;
        if (Current is { IsFinal: false } pending)
        {
            _deadlineTimer = this.RegisterGrainTimer(ApplyDeadlineAsync,
                new GrainTimerCreationOptions(DueIn(pending.ExpiresAt), Timeout.InfiniteTimeSpan) { KeepAlive = false });
        }
    }

    private async Task UnregisterDeadlineReminderAsync()
    {
        // The handle this activation registered saves a read of the reminder table; an earlier activation's is looked up.
        if ((_deadlineReminder ?? await this.GetReminder(DeadlineReminder)) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        _deadlineReminder = null;
    }

    /// <summary>Started on the grain's own scheduler (reminder calls need the grain's context) and not awaited.</summary>
    private void RemoveDeadlineReminderInBackground() => _ = RemoveDeadlineReminderQuietlyAsync();

    private async Task RemoveDeadlineReminderQuietlyAsync()
    {
        try
        {
            await UnregisterDeadlineReminderAsync();
        }
        catch (Exception error)
        {
            logger.LogDebug(error, "Removing the deadline reminder of {Approval} failed; its next tick removes it.", _id);
        }
    }

    private TimeSpan DueIn(DateTimeOffset deadline)
    {
        var due = deadline - clock.GetUtcNow();
        return due > TimeSpan.Zero ? due : TimeSpan.Zero;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
