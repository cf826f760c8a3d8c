using System.Text.Json.Nodes;

namespace Approvals.Contracts;

/// <summary>The workflow shape of API.md.</summary>
public sealed record WorkflowDto(
    string Id,
    string TenantId,
    string Name,
    string Status,
    string? CurrentStep,
    string? NextStep,
    IReadOnlyList<WorkflowStepDto> Steps,
    IReadOnlyList<StepRunDto> History,
    JsonObject Input,
    string? PendingApprovalId,
    IReadOnlyList<ApprovalDto> Approvals,
    DateTimeOffset? WakeAt,
    string CreatedBy,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One step run in a workflow's history.</summary>
public sealed record StepRunDto(int Run, string Step, string? Outcome, string? ApprovalId, DateTimeOffset StartedAt, DateTimeOffset? EndedAt,
    JsonNode? Output, string? Error);

/// <summary>The body of a workflow list call.</summary>
public sealed record WorkflowListDto(IReadOnlyList<WorkflowDto> Data, string? NextCursor);
