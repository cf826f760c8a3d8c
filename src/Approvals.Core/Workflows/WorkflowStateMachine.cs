using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Principals;

namespace Approvals.Core.Workflows;

/// <summary>A successful workflow transition: the new state and the events it appends.</summary>
public sealed record WorkflowTransition(WorkflowState State, IReadOnlyList<NewEvent> Events);

/// <summary>
/// The workflow state machine: a pure function (state, command, now) → transition or error. A
/// decision that is not for the approval the workflow waits on right now (a redelivery, a stale or
/// foreign event) is refused with <see cref="Ignored"/>, which is what makes at-least-once delivery
/// advance a workflow exactly once.
/// </summary>
public static class WorkflowStateMachine
{
    /// <summary>Internal code: the command does not apply to the current state; nothing happens.</summary>
    public const string Ignored = "ignored";

    public static Result<WorkflowTransition> Decide(WorkflowState? state, WorkflowCommand command, DateTimeOffset now,
        ApprovalOptions approvalOptions, WorkflowOptions options)
    {
        if (command is WorkflowCommand.Start start)
        {
            return state is null
                ? StartRun(start, now, approvalOptions, options)
                : DomainError.Validation("id", $"Workflow '{start.Id}' already exists.");
        }
        if (state is null || !IsVisibleTo(state, command.By))
        {
            return new DomainError(ErrorCodes.NotFound, "The workflow does not exist.");
        }
        if (state.IsFinal)
        {
            return command is WorkflowCommand.ApprovalDecided or WorkflowCommand.Wake
                ? new DomainError(Ignored, "The workflow has ended.")
                : new DomainError(ErrorCodes.AlreadyResolved, $"The workflow is already {Wire(state.Status)}.");
        }
        var run = new Run(state, now, options);
        return command switch
        {
            WorkflowCommand.ApprovalDecided decided => run.ApprovalDecided(decided),
            WorkflowCommand.ReportTask report => run.ReportTask(report),
            WorkflowCommand.Wake => run.Wake(),
            WorkflowCommand.Cancel cancel => run.Cancel(cancel),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown workflow command."),
        };
    }

    /// <summary>A workflow is visible to principals of its tenant and to the system.</summary>
    public static bool IsVisibleTo(WorkflowState state, Principal principal) =>
        principal.Kind == PrincipalKind.System || string.Equals(state.TenantId, principal.TenantId, StringComparison.Ordinal);

    /// <summary>Who may start workflows and report tasks: requester and up, or a key with workflows:write.</summary>
    public static bool MayWrite(Principal by) => by.Kind switch
    {
        PrincipalKind.Person => by.Roles.Any(Roles.Filers.Contains),
        PrincipalKind.ApiKey => by.Scopes.Contains(Scopes.WorkflowsWrite) || by.Scopes.Contains(Scopes.Admin),
        _ => true,
    };

    /// <summary>The id of the approval that run <paramref name="run"/> of a workflow files: the same on every retry.</summary>
    public static string ApprovalIdFor(string workflowId, int run) => Ids.Derive("apr", $"{workflowId}/run/{run}");

    public static string Wire(WorkflowStatus status) => status switch
    {
        WorkflowStatus.Active => "active",
        WorkflowStatus.WaitingApproval => "waiting_approval",
        WorkflowStatus.WaitingTask => "waiting_task",
        WorkflowStatus.Delayed => "delayed",
        WorkflowStatus.Completed => "completed",
        WorkflowStatus.Failed => "failed",
        WorkflowStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParse(string? text, out WorkflowStatus status)
    {
        foreach (var candidate in Enum.GetValues<WorkflowStatus>())
        {
            if (Wire(candidate) == text)
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }

    private static Result<WorkflowTransition> StartRun(WorkflowCommand.Start start, DateTimeOffset now, ApprovalOptions approvalOptions, WorkflowOptions options)
    {
        if (!MayWrite(start.By))
        {
            return DomainError.Forbidden("Starting a workflow needs the requester role (or higher) or the workflows:write scope.");
        }
        var plan = WorkflowPlan.Validate(start.Request, now, approvalOptions);
        if (!plan.IsSuccess)
        {
            return plan.Error!;
        }
        var state = new WorkflowState
        {
            Id = start.Id,
            TenantId = start.By.TenantId,
            Name = plan.Value!.Name,
            Status = WorkflowStatus.Active,
            Steps = plan.Value.Steps,
            History = [],
            InputJson = plan.Value.InputJson,
            CreatedBy = start.By.Id,
            CreatedByKind = start.By.Kind,
            CreatedAt = now,
            UpdatedAt = now,
            Version = 0,
        };
        var run = new Run(state, now, options);
        run.Emit(WorkflowEventTypes.Started, start.By.Id, new JsonObject
        {
            ["name"] = state.Name,
            ["first_step"] = state.Steps[0].Id,
            ["steps"] = state.Steps.Count,
        });
        return run.StartStep(state.Steps[0].Id, start.By.Id);
    }

    /// <summary>One transition in the making: the state so far and the events so far.</summary>
    private sealed class Run(WorkflowState initial, DateTimeOffset now, WorkflowOptions options)
    {
        private readonly List<NewEvent> _events = [];
        private WorkflowState _state = initial with { UpdatedAt = now, Version = initial.Version + 1, PendingEffect = null };

        public void Emit(string type, string actor, JsonObject data)
        {
            data["workflow_id"] = _state.Id;
            _events.Add(new NewEvent(type, actor, data));
        }

        private Result<WorkflowTransition> Done() => Result<WorkflowTransition>.Success(new WorkflowTransition(_state, _events));

        public Result<WorkflowTransition> StartStep(string stepId, string actor)
        {
            if (_state.History.Count >= options.MaxStepRuns)
            {
                return End(WorkflowStatus.Failed, actor, $"The workflow reached its limit of {options.MaxStepRuns} step runs.");
            }
            var step = _state.Step(stepId);
            var runNumber = _state.History.Count + 1;
            if (step.Type == StepType.Approval)
            {
                var approvalId = ApprovalIdFor(_state.Id, runNumber);
                _state = _state with
                {
                    Status = WorkflowStatus.WaitingApproval,
                    CurrentStep = step.Id,
                    NextStep = null,
                    PendingApprovalId = approvalId,
                    WakeAt = null,
                    History = [.. _state.History, new StepRun(runNumber, step.Id, null, approvalId, now, null, null, null)],
                    PendingEffect = new WorkflowEffect.FileApproval(approvalId, step.Id, step.Approval!),
                };
                Emit(WorkflowEventTypes.WaitingApproval, actor, new JsonObject { ["step"] = step.Id, ["run"] = runNumber, ["approval_id"] = approvalId });
                return Done();
            }
            _state = _state with
            {
                Status = WorkflowStatus.WaitingTask,
                CurrentStep = step.Id,
                NextStep = null,
                PendingApprovalId = null,
                WakeAt = step.Timeout is { } timeout ? now + timeout : null,
                History = [.. _state.History, new StepRun(runNumber, step.Id, null, null, now, null, null, null)],
            };
            Emit(WorkflowEventTypes.TaskReady, actor, new JsonObject
            {
                ["step"] = step.Id,
                ["run"] = runNumber,
                ["input"] = StoredJson.Parse(_state.InputJson),
                ["timeout_at"] = _state.WakeAt is { } at ? EventHasher.FormatTime(at) : null,
            });
            return Done();
        }

        public Result<WorkflowTransition> ApprovalDecided(WorkflowCommand.ApprovalDecided decided)
        {
            if (_state.Status != WorkflowStatus.WaitingApproval || _state.PendingApprovalId != decided.ApprovalId)
            {
                return new DomainError(Ignored, "The workflow is not waiting on that approval (a repeat or a stale notice).");
            }
            var succeeded = decided.Outcome == ApprovalStatus.Approved;
            return FinishStep(succeeded, succeeded ? StepOutcome.Succeeded : StepOutcome.Failed, null,
                succeeded ? null : decided.Reason ?? $"The approval was {WireNames.Of(decided.Outcome)}.", decided.By.Id);
        }

        public Result<WorkflowTransition> ReportTask(WorkflowCommand.ReportTask report)
        {
            if (!MayWrite(report.By))
            {
                return DomainError.Forbidden("Reporting a task needs the requester role (or higher) or the workflows:write scope.");
            }
            if (_state.Steps.All(s => s.Id != report.Step))
            {
                return new DomainError(ErrorCodes.NotFound, $"The workflow has no step '{report.Step}'.");
            }
            if (_state.Status != WorkflowStatus.WaitingTask || _state.CurrentStep != report.Step)
            {
                return new DomainError(ErrorCodes.InvalidState, $"The workflow is {WorkflowStateMachine.Wire(_state.Status)}, not waiting on task '{report.Step}'.");
            }
            return FinishStep(report.Succeeded, report.Succeeded ? StepOutcome.Succeeded : StepOutcome.Failed, report.OutputJson,
                report.Succeeded ? null : report.Error ?? "The task failed.", report.By.Id);
        }

        public Result<WorkflowTransition> Wake()
        {
            if (_state.WakeAt is not { } wakeAt || now < wakeAt)
            {
                return new DomainError(DomainError.NotDue, "Nothing of this workflow is due yet.");
            }
            if (_state.Status == WorkflowStatus.Delayed)
            {
                var next = _state.NextStep!;
                Emit(WorkflowEventTypes.Resumed, "system", new JsonObject { ["from_step"] = _state.CurrentStep, ["next_step"] = next, ["after_delay"] = true });
                return StartStep(next, "system");
            }
            if (_state.Status == WorkflowStatus.WaitingTask)
            {
                return FinishStep(false, StepOutcome.TimedOut, null, "The task timed out.", "system");
            }
            return new DomainError(Ignored, "Nothing of this workflow is due.");
        }

        public Result<WorkflowTransition> Cancel(WorkflowCommand.Cancel cancel)
        {
            if (!_state.IsCreatedBy(cancel.By) && !cancel.By.IsAdmin
                && !(cancel.By.Kind == PrincipalKind.ApiKey && cancel.By.Scopes.Contains(Scopes.WorkflowsWrite)))
            {
                return DomainError.Forbidden("Only the workflow's creator, an admin or a workflows:write key may cancel it.");
            }
            var pending = _state.Status == WorkflowStatus.WaitingApproval ? _state.PendingApprovalId : null;
            CloseRun(StepOutcome.Cancelled, null, cancel.Reason ?? "Cancelled.");
            _state = _state with
            {
                Status = WorkflowStatus.Cancelled,
                PendingApprovalId = null,
                WakeAt = null,
                NextStep = null,
                PendingEffect = pending is null ? null : new WorkflowEffect.CancelApproval(pending),
            };
            Emit(WorkflowEventTypes.Cancelled, cancel.By.Id, new JsonObject { ["by"] = cancel.By.Id, ["reason"] = cancel.Reason, ["step"] = _state.CurrentStep });
            return Done();
        }

        private Result<WorkflowTransition> FinishStep(bool succeeded, StepOutcome outcome, string? outputJson, string? error, string actor)
        {
            var step = _state.Step(_state.CurrentStep!);
            CloseRun(outcome, outputJson, error);
            var next = succeeded ? step.OnSuccess : step.OnFailure;
            if (next is null)
            {
                return succeeded ? End(WorkflowStatus.Completed, actor, null) : End(WorkflowStatus.Failed, actor, error);
            }
            if (succeeded && step.DelayToNextStep is { } delay && delay > TimeSpan.Zero)
            {
                _state = _state with { Status = WorkflowStatus.Delayed, NextStep = next, PendingApprovalId = null, WakeAt = now + delay };
                Emit(WorkflowEventTypes.Resumed, actor, new JsonObject
                {
                    ["from_step"] = step.Id, ["outcome"] = OutcomeName(outcome), ["next_step"] = next, ["delayed_until"] = EventHasher.FormatTime(now + delay),
                });
                return Done();
            }
            Emit(WorkflowEventTypes.Resumed, actor, new JsonObject { ["from_step"] = step.Id, ["outcome"] = OutcomeName(outcome), ["next_step"] = next });
            return StartStep(next, actor);
        }

        private Result<WorkflowTransition> End(WorkflowStatus status, string actor, string? error)
        {
            _state = _state with { Status = status, PendingApprovalId = null, WakeAt = null, NextStep = null };
            Emit(status == WorkflowStatus.Completed ? WorkflowEventTypes.Completed : WorkflowEventTypes.Failed, actor,
                new JsonObject { ["step"] = _state.CurrentStep, ["error"] = error });
            return Done();
        }

        private void CloseRun(StepOutcome outcome, string? outputJson, string? error)
        {
            if (_state.History.Count == 0 || _state.History[^1].EndedAt is not null)
            {
                return;
            }
            var last = _state.History[^1] with { Outcome = outcome, EndedAt = now, OutputJson = outputJson, Error = error };
            _state = _state with { History = [.. _state.History.Take(_state.History.Count - 1), last] };
        }

        private static string OutcomeName(StepOutcome outcome) => outcome switch
        {
            StepOutcome.Succeeded => "succeeded",
            StepOutcome.Failed => "failed",
            StepOutcome.TimedOut => "timed_out",
            _ => "cancelled",
        };
    }
}
