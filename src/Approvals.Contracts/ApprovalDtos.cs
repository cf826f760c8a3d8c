using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Approvals.Contracts;

/// <summary>The approval policy of a request, as on the wire.</summary>
/// <param name="RequiredApprovals">Distinct approvers needed (1–10).</param>
/// <param name="ApproverRoles">If set, only these roles may decide.</param>
/// <param name="Approvers">If set, only these user ids may decide.</param>
/// <param name="AllowSelfApproval">Whether the requester may decide their own request.</param>
/// <param name="OnExpiry">Wire name of the expiry policy.</param>
public sealed record PolicyDto(
    int? RequiredApprovals = null,
    IReadOnlyList<string>? ApproverRoles = null,
    IReadOnlyList<string>? Approvers = null,
    bool? AllowSelfApproval = null,
    [property: AllowedValues("expire", "reject", "approve", "escalate")] string? OnExpiry = null);

/// <summary>Body of <c>POST /v1/approvals</c>.</summary>
public sealed record CreateApprovalRequest
{
    /// <summary>Required, 1–200 characters.</summary>
    [Required]
    public string? Title { get; init; }
    /// <summary>Free text shown to deciders.</summary>
    public string? Summary { get; init; }
    /// <summary>What the requester wants to do, e.g. <c>send_email</c>.</summary>
    public string? RequestedOperation { get; init; }
    /// <summary>The system acted upon.</summary>
    public string? Target { get; init; }
    /// <summary>The scope of resources touched.</summary>
    public string? ResourceScope { get; init; }
    /// <summary>Classification of the data involved.</summary>
    public string? DataClassification { get; init; }
    /// <summary>0–100; default 0.</summary>
    [Range(0, 100)]
    public int? RiskScore { get; init; }
    /// <summary>Any JSON object of at most 64 KiB.</summary>
    public JsonElement? Context { get; init; }
    /// <summary>The software agent that asks, if any.</summary>
    public string? AgentId { get; init; }
    /// <summary>The agent's session, if any.</summary>
    public string? SessionId { get; init; }
    /// <summary>A distributed trace id, if any.</summary>
    public string? TraceId { get; init; }
    /// <summary>ISO 8601 duration until the deadline; exclusive with <see cref="ExpiresAt"/>.</summary>
    public string? ExpiresIn { get; init; }
    /// <summary>The deadline; exclusive with <see cref="ExpiresIn"/>.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>The approval policy; defaults apply where absent.</summary>
    public PolicyDto? Policy { get; init; }
}

/// <summary>One recorded decision on a request.</summary>
public sealed record DecisionDto(string Decision, string By, string? ByName, string? Note, DateTimeOffset At);

/// <summary>The full approval request, the shape of every approval response.</summary>
public sealed record ApprovalDto
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    [AllowedValues("pending", "approved", "rejected", "expired", "cancelled")]
    public required string Status { get; init; }
    public required string Title { get; init; }
    public string? Summary { get; init; }
    public string? RequestedOperation { get; init; }
    public string? Target { get; init; }
    public string? ResourceScope { get; init; }
    public string? DataClassification { get; init; }
    public int RiskScore { get; init; }
    [AllowedValues("low", "medium", "high", "critical")]
    public required string RiskLevel { get; init; }
    public int RequiredApprovalLevel { get; init; }
    public JsonObject? Context { get; init; }
    public required string RequestedBy { get; init; }
    public string? AgentId { get; init; }
    public string? SessionId { get; init; }
    public string? TraceId { get; init; }
    public string? WorkflowId { get; init; }
    public string? WorkflowStep { get; init; }
    public required PolicyDto Policy { get; init; }
    public required IReadOnlyList<DecisionDto> Decisions { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public string? DecidedBy { get; init; }
    public string? DecisionNote { get; init; }
    public long Version { get; init; }
}

/// <summary>An event of the log as on the wire.</summary>
public sealed record EventDto(
    string Id, long Seq, string Type, string TenantId, string SubjectId, string? Actor, DateTimeOffset At, JsonObject Data);

/// <summary>One step of a plan in <c>POST /v1/workflows</c>.</summary>
public sealed record WorkflowStepDto
{
    /// <summary>Unique within the plan.</summary>
    [Required]
    public string? Id { get; init; }
    /// <summary><c>approval</c> or <c>task</c>.</summary>
    [Required, AllowedValues("approval", "task")]
    public string? Type { get; init; }
    /// <summary>For approval steps: the body of <c>POST /v1/approvals</c>.</summary>
    public CreateApprovalRequest? Approval { get; init; }
    /// <summary>The step after success; none completes the workflow.</summary>
    public string? OnSuccess { get; init; }
    /// <summary>The step after failure; none fails the workflow.</summary>
    public string? OnFailure { get; init; }
    /// <summary>ISO 8601 duration to wait after success before the next step.</summary>
    public string? DelayToNextStep { get; init; }
    /// <summary>ISO 8601 duration after which an unreported task step fails.</summary>
    public string? Timeout { get; init; }
}

/// <summary>Body of <c>POST /v1/workflows</c>.</summary>
public sealed record CreateWorkflowRequest
{
    /// <summary>Required, 1–200 characters.</summary>
    [Required]
    public string? Name { get; init; }
    /// <summary>Any JSON object, handed to workers.</summary>
    public System.Text.Json.JsonElement? Input { get; init; }
    /// <summary>The plan; the first step starts at once.</summary>
    [Required]
    public IReadOnlyList<WorkflowStepDto>? Steps { get; init; }
}
