using Approvals.Contracts;
using Approvals.Core.Principals;

namespace Approvals.Core.Approvals;

/// <summary>The validated policy of one request.</summary>
/// <param name="RequiredApprovals">Distinct approvers needed (1–10).</param>
/// <param name="ApproverRoles">If non-empty, a decider must hold one of these roles.</param>
/// <param name="Approvers">If non-empty, a decider must be one of these user ids.</param>
/// <param name="AllowSelfApproval">Whether the requester may decide.</param>
/// <param name="OnExpiry">What the deadline does.</param>
public sealed record ApprovalPolicy(
    int RequiredApprovals,
    IReadOnlyList<string> ApproverRoles,
    IReadOnlyList<string> Approvers,
    bool AllowSelfApproval,
    OnExpiry OnExpiry)
{
    /// <summary>One approver, no restriction, no self-approval, plain expiry.</summary>
    public static ApprovalPolicy Default { get; } = new(1, [], [], false, OnExpiry.Expire);
}

/// <summary>The kind of a recorded decision.</summary>
public enum DecisionKind
{
    /// <summary>A vote to approve.</summary>
    Approve,
    /// <summary>A rejection (one rejects the request).</summary>
    Reject,
}

/// <summary>One person's recorded decision.</summary>
public sealed record Decision(DecisionKind Kind, string By, string? ByName, string? Note, DateTimeOffset At);

/// <summary>
/// The state of one approval request. Immutable: a transition returns a new state whose
/// <see cref="Version"/> is one higher.
/// </summary>
public sealed record ApprovalState
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required ApprovalStatus Status { get; init; }
    public required string Title { get; init; }
    public string? Summary { get; init; }
    public string? RequestedOperation { get; init; }
    public string? Target { get; init; }
    public string? ResourceScope { get; init; }
    public string? DataClassification { get; init; }
    public required int RiskScore { get; init; }
    /// <summary>The level deciders need; starts from the risk band and rises once on escalation.</summary>
    public required int RequiredApprovalLevel { get; init; }
    /// <summary>The context object as compact JSON text (<c>{}</c> when none was given).</summary>
    public required string ContextJson { get; init; }
    public required string RequestedBy { get; init; }
    /// <summary>
    /// Whether <see cref="RequestedBy"/> is a person's <c>sub</c> or a key's id. Null in states stored
    /// before it was recorded; <see cref="IsRequestedBy"/> then infers it from the id.
    /// </summary>
    public PrincipalKind? RequestedByKind { get; init; }
    public string? RequestedByName { get; init; }
    public string? AgentId { get; init; }
    public string? SessionId { get; init; }
    public string? TraceId { get; init; }
    public string? WorkflowId { get; init; }
    public string? WorkflowStep { get; init; }
    public required ApprovalPolicy Policy { get; init; }
    public required IReadOnlyList<Decision> Decisions { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public string? DecidedBy { get; init; }
    public string? DecisionNote { get; init; }
    /// <summary>True once the request escalated (escalation happens at most once).</summary>
    public bool Escalated { get; init; }
    public required long Version { get; init; }

    /// <summary>The risk band of <see cref="RiskScore"/>.</summary>
    public RiskLevel RiskLevel => RiskPolicy.LevelOf(RiskScore);

    /// <summary>True for every status but pending.</summary>
    public bool IsFinal => Status != ApprovalStatus.Pending;

    /// <summary>True when <paramref name="principal"/> filed this request: the same kind and the same id.</summary>
    public bool IsRequestedBy(Principal principal) =>
        principal.Is(RequestedByKind ?? Principal.KindOfUntypedId(RequestedBy), RequestedBy);
}
