using System.Text.Json.Nodes;
using System.Xml;
using Approvals.Contracts;
using Approvals.Core.Storage;

namespace Approvals.Core.Workflows;

/// <summary>
/// A workflow run as the API shows it (API.md's workflow shape), and the reply to a command on it,
/// built here so the gateway and the workflow grain (which commits an idempotent request's reply
/// with its write) show the same thing.
/// </summary>
public static class WorkflowViews
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

    public static StoredResponse Response(WorkflowState state, IReadOnlyList<ApprovalDto> approvals, int status = 200) =>
        Response(state.ToDto(approvals), status);

    /// <summary>A workflow reply, as sent and as stored for an idempotent replay: the run with its ETag, and its Location when created (201).</summary>
    public static StoredResponse Response(WorkflowDto workflow, int status = 200)
    {
        var etag = ("ETag", WireNames.ETag(workflow.Version));
        return status == 201
            ? StoredResponse.Json(status, workflow, etag, ("Location", $"/v1/workflows/{workflow.Id}"))
            : StoredResponse.Json(status, workflow, etag);
    }

    private static string Outcome(StepOutcome outcome) => outcome switch
    {
        StepOutcome.Succeeded => "succeeded",
        StepOutcome.Failed => "failed",
        StepOutcome.TimedOut => "timed_out",
        _ => "cancelled",
    };
}
