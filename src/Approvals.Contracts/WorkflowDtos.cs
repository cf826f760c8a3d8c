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

/// <summary>Body of <c>POST /v1/workflows/{id}/approval</c>: decides the approval the workflow waits on.</summary>
/// <param name="Action"><c>approve</c> or <c>reject</c>.</param>
/// <param name="Note">The note or reason recorded with the decision.</param>
public sealed record WorkflowApprovalBody([property: System.ComponentModel.DataAnnotations.Required, System.ComponentModel.DataAnnotations.AllowedValues("approve", "reject")] string? Action = null, string? Note = null);

/// <summary>Body of <c>POST /v1/workflows/{id}/steps/{step}/complete</c>.</summary>
/// <param name="Output">Any JSON the worker reports (at most 64 KiB), kept in the step's history.</param>
public sealed record CompleteTaskBody(System.Text.Json.JsonElement? Output = null);

/// <summary>Body of <c>POST /v1/workflows/{id}/steps/{step}/fail</c>.</summary>
/// <param name="Error">What went wrong, kept in the step's history.</param>
public sealed record FailTaskBody(string? Error = null);

/// <summary>Body of <c>POST /v1/workflows/{id}/cancel</c>.</summary>
/// <param name="Reason">Why the workflow is cancelled.</param>
public sealed record CancelWorkflowBody(string? Reason = null);
