using System.Text.Json.Nodes;
using System.Xml;
using Approvals.Contracts;
using Approvals.Core.Workflows;
using Approvals.Server.Approvals;
using Approvals.Server.Http;
using Approvals.Core;
using Approvals.Core.Storage;

namespace Approvals.Server.Workflows;

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

/// <summary>Body of <c>POST /v1/workflows/{id}/approval</c>.</summary>
public sealed record WorkflowApprovalBody([property: System.ComponentModel.DataAnnotations.Required, System.ComponentModel.DataAnnotations.AllowedValues("approve", "reject")] string? Action = null, string? Note = null);

/// <summary>Body of a task step's complete.</summary>
public sealed record CompleteTaskBody(System.Text.Json.JsonElement? Output = null);

/// <summary>Body of a task step's fail.</summary>
public sealed record FailTaskBody(string? Error = null);

/// <summary>Body of cancel.</summary>
public sealed record CancelWorkflowBody(string? Reason = null);

public static class WorkflowMapping
{
    public static WorkflowDto ToDto(this WorkflowState s, IReadOnlyList<ApprovalDto> approvals) => new(
        s.Id,
        s.TenantId,
        s.Name,
        WorkflowStateMachine.Wire(s.Status),
        s.CurrentStep,
        s.NextStep,
        s.Steps.Select(p => new WorkflowStepDto
        {
            Id = p.Id,
            Type = p.Type == StepType.Approval ? "approval" : "task",
            Approval = p.Approval,
            OnSuccess = p.OnSuccess,
            OnFailure = p.OnFailure,
            DelayToNextStep = p.DelayToNextStep is { } d ? XmlConvert.ToString(d) : null,
            Timeout = p.Timeout is { } t ? XmlConvert.ToString(t) : null,
        }).ToList(),
        s.History.Select(r => new StepRunDto(r.Run, r.Step, r.Outcome is { } o ? Outcome(o) : null, r.ApprovalId, r.StartedAt, r.EndedAt,
            r.OutputJson is null ? null : StoredJson.Parse(r.OutputJson), r.Error)).ToList(),
        StoredJson.Parse(s.InputJson) as JsonObject ?? [],
        s.PendingApprovalId,
        approvals,
        s.WakeAt,
        s.CreatedBy,
        s.Version,
        s.CreatedAt,
        s.UpdatedAt);

    public static StoredResponse Response(WorkflowState state, IReadOnlyList<ApprovalDto> approvals, int status = StatusCodes.Status200OK)
    {
        var etag = ("ETag", ETags.Format(state.Version));
        return status == StatusCodes.Status201Created
            ? StoredResponse.Json(status, state.ToDto(approvals), etag, ("Location", $"/v1/workflows/{state.Id}"))
            : StoredResponse.Json(status, state.ToDto(approvals), etag);
    }

    private static string Outcome(StepOutcome outcome) => outcome switch
    {
        StepOutcome.Succeeded => "succeeded",
        StepOutcome.Failed => "failed",
        StepOutcome.TimedOut => "timed_out",
        _ => "cancelled",
    };
}
