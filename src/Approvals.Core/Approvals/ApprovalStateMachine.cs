using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Events;
using Approvals.Core.Principals;

namespace Approvals.Core.Approvals;

/// <summary>A successful transition: the new state and the events it appends.</summary>
public sealed record ApprovalTransition(ApprovalState State, IReadOnlyList<NewEvent> Events);

/// <summary>
/// The approval state machine: a pure function (state, command, now) → transition or error.
/// The one place that checks every rule; no I/O, no clock of its own.
/// </summary>
public static class ApprovalStateMachine
{
    /// <summary>Applies <paramref name="command"/> to <paramref name="state"/> (null before creation).</summary>
    public static Result<ApprovalTransition> Decide(ApprovalState? state, ApprovalCommand command, DateTimeOffset now, ApprovalOptions options)
    {
        if (command is ApprovalCommand.Create create)
        {
            return state is null
                ? CreateRequest(create, now, options)
                : DomainError.Validation("id", $"Approval request '{create.Id}' already exists.");
        }
        if (state is null || !IsVisibleTo(state, command.By))
        {
            // Another tenant's request does not exist for the caller: 404, never 403.
            return new DomainError(ErrorCodes.NotFound, "The approval request does not exist.");
        }
        if (NoteOf(command) is { Length: > MaxNoteLength })
        {
            return DomainError.Validation(command is ApprovalCommand.Approve ? "note" : "reason", $"The note must be at most {MaxNoteLength} characters.");
        }
        if (state.IsFinal)
        {
            return DomainError.AlreadyResolved(state.Status);
        }
        if (command is not ApprovalCommand.Expire && now >= state.ExpiresAt)
        {
            // The deadline, not the timer, decides: past it, on_expiry applies before anything else.
            return new DomainError(DomainError.ExpiryDue, $"The deadline {EventHasher.FormatTime(state.ExpiresAt)} has passed; apply the expiry first.");
        }
        return command switch
        {
            ApprovalCommand.Approve approve => Approve(state, approve, now),
            ApprovalCommand.Reject reject => Reject(state, reject, now),
            ApprovalCommand.Cancel cancel => Cancel(state, cancel, now),
            ApprovalCommand.Extend extend => Extend(state, extend, now, options),
            ApprovalCommand.Expire expire => Expire(state, expire, now, options),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown approval command."),
        };
    }

    private static Result<ApprovalTransition> CreateRequest(ApprovalCommand.Create create, DateTimeOffset now, ApprovalOptions options)
    {
        var by = create.By;
        if (!MayFile(by))
        {
            return DomainError.Forbidden("Filing a request needs the requester role (or higher) or the approvals:create scope.");
        }
        var validated = ApprovalValidation.ValidateCreate(create.Request, now, options);
        if (!validated.IsSuccess)
        {
            return validated.Error!;
        }
        var v = validated.Value!;
        var state = new ApprovalState
        {
            Id = create.Id,
            TenantId = by.TenantId,
            Status = ApprovalStatus.Pending,
            Title = v.Title,
            Summary = create.Request.Summary,
            RequestedOperation = create.Request.RequestedOperation,
            Target = create.Request.Target,
            ResourceScope = create.Request.ResourceScope,
            DataClassification = create.Request.DataClassification,
            RiskScore = v.RiskScore,
            RequiredApprovalLevel = RiskPolicy.RequiredLevel(RiskPolicy.LevelOf(v.RiskScore)),
            ContextJson = v.ContextJson,
            RequestedBy = by.Id,
            RequestedByKind = by.Kind,
            RequestedByName = by.Name,
            AgentId = create.Request.AgentId,
            SessionId = create.Request.SessionId,
            TraceId = create.Request.TraceId,
            WorkflowId = create.WorkflowId,
            WorkflowStep = create.WorkflowStep,
            Policy = v.Policy,
            Decisions = [],
            ExpiresAt = v.ExpiresAt,
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        var data = new JsonObject
        {
            ["title"] = state.Title,
            ["risk_score"] = state.RiskScore,
            ["risk_level"] = WireNames.Of(state.RiskLevel),
            ["required_approval_level"] = state.RequiredApprovalLevel,
            ["required_approvals"] = state.Policy.RequiredApprovals,
            ["requested_by"] = state.RequestedBy,
            ["expires_at"] = EventHasher.FormatTime(state.ExpiresAt),
            ["agent_id"] = state.AgentId,
            ["workflow_id"] = state.WorkflowId,
            ["workflow_step"] = state.WorkflowStep,
        };
        return Emit(state, new NewEvent(EventTypes.ApprovalRequested, by.Id, data));
    }

    private static Result<ApprovalTransition> Approve(ApprovalState state, ApprovalCommand.Approve approve, DateTimeOffset now)
    {
        if (CheckDecider(state, approve.By) is { } refused)
        {
            return refused;
        }
        var decisions = state.Decisions.Append(new Decision(DecisionKind.Approve, approve.By.Id, approve.By.Name, approve.Note, now)).ToList();
        var approvals = decisions.Count(d => d.Kind == DecisionKind.Approve);
        var next = state with { Decisions = decisions, UpdatedAt = now, Version = state.Version + 1 };
        if (approvals < state.Policy.RequiredApprovals)
        {
            return Emit(next, new NewEvent(EventTypes.ApprovalDecisionRecorded, approve.By.Id, DecisionData(next, approve.By, approve.Note, approvals)));
        }
        next = next with { Status = ApprovalStatus.Approved, DecidedAt = now, DecidedBy = approve.By.Id, DecisionNote = approve.Note };
        return Emit(next, new NewEvent(EventTypes.ApprovalApproved, approve.By.Id, DecisionData(next, approve.By, approve.Note, approvals)));
    }

    private static Result<ApprovalTransition> Reject(ApprovalState state, ApprovalCommand.Reject reject, DateTimeOffset now)
    {
        if (CheckDecider(state, reject.By) is { } refused)
        {
            return refused;
        }
        var decisions = state.Decisions.Append(new Decision(DecisionKind.Reject, reject.By.Id, reject.By.Name, reject.Reason, now)).ToList();
        var next = state with
        {
            Status = ApprovalStatus.Rejected,
            Decisions = decisions,
            DecidedAt = now,
            DecidedBy = reject.By.Id,
            DecisionNote = reject.Reason,
            UpdatedAt = now,
            Version = state.Version + 1,
        };
        var approvals = decisions.Count(d => d.Kind == DecisionKind.Approve);
        return Emit(next, new NewEvent(EventTypes.ApprovalRejected, reject.By.Id, DecisionData(next, reject.By, reject.Reason, approvals)));
    }

    private static Result<ApprovalTransition> Cancel(ApprovalState state, ApprovalCommand.Cancel cancel, DateTimeOffset now)
    {
        if (!IsRequesterOrAdmin(state, cancel.By))
        {
            return DomainError.Forbidden("Only the requester or an admin may cancel a request.");
        }
        var next = state with
        {
            Status = ApprovalStatus.Cancelled,
            DecidedAt = now,
            DecidedBy = cancel.By.Id,
            DecisionNote = cancel.Reason,
            UpdatedAt = now,
            Version = state.Version + 1,
        };
        var data = new JsonObject { ["status"] = "cancelled", ["by"] = cancel.By.Id, ["reason"] = cancel.Reason, ["workflow_id"] = state.WorkflowId };
        return Emit(next, new NewEvent(EventTypes.ApprovalCancelled, cancel.By.Id, data));
    }

    private static Result<ApprovalTransition> Extend(ApprovalState state, ApprovalCommand.Extend extend, DateTimeOffset now, ApprovalOptions options)
    {
        if (!IsRequesterOrAdmin(state, extend.By))
        {
            return DomainError.Forbidden("Only the requester or an admin may extend a request.");
        }
        var expiresAt = ApprovalValidation.Truncate(extend.ExpiresAt);
        if (ApprovalValidation.CheckDeadline("expires_at", expiresAt, now, options) is { } invalid)
        {
            return invalid;
        }
        var next = state with { ExpiresAt = expiresAt, UpdatedAt = now, Version = state.Version + 1 };
        var data = new JsonObject
        {
            ["previous_expires_at"] = EventHasher.FormatTime(state.ExpiresAt),
            ["expires_at"] = EventHasher.FormatTime(expiresAt),
            ["by"] = extend.By.Id,
        };
        return Emit(next, new NewEvent(EventTypes.ApprovalExtended, extend.By.Id, data));
    }

    private static Result<ApprovalTransition> Expire(ApprovalState state, ApprovalCommand.Expire expire, DateTimeOffset now, ApprovalOptions options)
    {
        // A timer tick is only a hint: the deadline in the state is the truth.
        if (now < state.ExpiresAt)
        {
            return new DomainError(DomainError.NotDue, $"The request is due at {EventHasher.FormatTime(state.ExpiresAt)}.");
        }
        var actor = expire.By.Id;
        var onExpiry = state.Policy.OnExpiry;
        if (onExpiry == OnExpiry.Escalate && !state.Escalated)
        {
            var escalated = state with
            {
                Escalated = true,
                RequiredApprovalLevel = Math.Min(RiskPolicy.MaxLevel, state.RequiredApprovalLevel + 1),
                ExpiresAt = state.ExpiresAt + options.EscalationWindow,
                UpdatedAt = now,
                Version = state.Version + 1,
            };
            var data = new JsonObject
            {
                ["previous_required_approval_level"] = state.RequiredApprovalLevel,
                ["required_approval_level"] = escalated.RequiredApprovalLevel,
                ["previous_expires_at"] = EventHasher.FormatTime(state.ExpiresAt),
                ["expires_at"] = EventHasher.FormatTime(escalated.ExpiresAt),
            };
            return Emit(escalated, new NewEvent(EventTypes.ApprovalEscalated, actor, data));
        }
        var (status, type) = onExpiry switch
        {
            OnExpiry.Approve => (ApprovalStatus.Approved, EventTypes.ApprovalApproved),
            OnExpiry.Reject => (ApprovalStatus.Rejected, EventTypes.ApprovalRejected),
            _ => (ApprovalStatus.Expired, EventTypes.ApprovalExpired),
        };
        var note = $"Deadline passed (on_expiry: {WireNames.Of(onExpiry)}).";
        var next = state with
        {
            Status = status,
            DecidedAt = now,
            DecidedBy = actor,
            DecisionNote = note,
            UpdatedAt = now,
            Version = state.Version + 1,
        };
        var eventData = new JsonObject
        {
            ["status"] = WireNames.Of(status),
            ["by"] = actor,
            ["note"] = note,
            ["expired"] = true,
            ["expires_at"] = EventHasher.FormatTime(state.ExpiresAt),
            ["workflow_id"] = state.WorkflowId,
        };
        return Emit(next, new NewEvent(type, actor, eventData));
    }

    /// <summary>The longest note or reason a decision, cancel or extend may carry.</summary>
    public const int MaxNoteLength = 4000;

    private static string? NoteOf(ApprovalCommand command) => command switch
    {
        ApprovalCommand.Approve a => a.Note,
        ApprovalCommand.Reject r => r.Reason,
        ApprovalCommand.Cancel c => c.Reason,
        _ => null,
    };

    /// <summary>A request is visible to principals of its own tenant and to the system.</summary>
    public static bool IsVisibleTo(ApprovalState state, Principal principal) =>
        principal.Kind == PrincipalKind.System || string.Equals(state.TenantId, principal.TenantId, StringComparison.Ordinal);

    /// <summary>Every rule a person must pass to approve or reject, in the order API.md lists them.</summary>
    private static DomainError? CheckDecider(ApprovalState state, Principal by)
    {
        if (by.Kind != PrincipalKind.Person)
        {
            return DomainError.Forbidden("Only people decide approval requests; an API key never does.");
        }
        if (!by.Roles.Any(Roles.DeciderLevels.ContainsKey))
        {
            return DomainError.Forbidden("Deciding needs one of the roles reviewer, manager, security_manager or admin.");
        }
        if (state.Policy.ApproverRoles.Count > 0 && !state.Policy.ApproverRoles.Any(by.HasRole))
        {
            return DomainError.Forbidden($"This request may only be decided by: {string.Join(", ", state.Policy.ApproverRoles)}.");
        }
        if (state.Policy.Approvers.Count > 0 && !state.Policy.Approvers.Contains(by.Id, StringComparer.Ordinal))
        {
            return DomainError.Forbidden("You are not one of the approvers this request names.");
        }
        if (state.IsRequestedBy(by) && !state.Policy.AllowSelfApproval)
        {
            return new DomainError(ErrorCodes.SelfApprovalForbidden, "The requester may not decide their own request.");
        }
        var level = RiskPolicy.LevelOf(by);
        if (level < state.RequiredApprovalLevel)
        {
            return new DomainError(ErrorCodes.InsufficientApprovalLevel,
                $"This request needs approval level {state.RequiredApprovalLevel}; yours is {level}.");
        }
        if (state.Decisions.Any(d => d.By == by.Id))
        {
            return new DomainError(ErrorCodes.AlreadyDecided, "You have already recorded a decision on this request.");
        }
        return null;
    }

    private static bool MayFile(Principal by) => by.Kind switch
    {
        PrincipalKind.Person => by.Roles.Any(Roles.Filers.Contains),
        PrincipalKind.ApiKey => by.Scopes.Contains(Scopes.ApprovalsCreate) || by.Scopes.Contains(Scopes.Admin),
        _ => true,
    };

    // The system cancels too: a cancelled workflow withdraws the approval it waited on.
    private static bool IsRequesterOrAdmin(ApprovalState state, Principal by) =>
        state.IsRequestedBy(by) || by.IsAdmin || by.Kind == PrincipalKind.System;

    private static JsonObject DecisionData(ApprovalState state, Principal by, string? note, int approvals) => new()
    {
        ["status"] = WireNames.Of(state.Status),
        ["by"] = by.Id,
        ["by_name"] = by.Name,
        ["note"] = note,
        ["approvals"] = approvals,
        ["required_approvals"] = state.Policy.RequiredApprovals,
        ["workflow_id"] = state.WorkflowId,
    };

    private static Result<ApprovalTransition> Emit(ApprovalState state, NewEvent e) =>
        Result<ApprovalTransition>.Success(new ApprovalTransition(state, [e]));
}
