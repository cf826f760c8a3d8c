using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Storage;

namespace Approvals.Core.Approvals;

/// <summary>
/// An approval as the API shows it (API.md's approval shape). Here, beside the state, because the
/// gateway, the approval grain (which stores the reply of an idempotent request with its write) and
/// in-cluster clients all show the same thing.
/// </summary>
public static class ApprovalViews
{
    public static ApprovalDto ToDto(this ApprovalState s) => new()
    {
        Id = s.Id,
        TenantId = s.TenantId,
        Status = WireNames.Of(s.Status),
        Title = s.Title,
        Summary = s.Summary,
        RequestedOperation = s.RequestedOperation,
        Target = s.Target,
        ResourceScope = s.ResourceScope,
        DataClassification = s.DataClassification,
        RiskScore = s.RiskScore,
        RiskLevel = WireNames.Of(s.RiskLevel),
        RequiredApprovalLevel = s.RequiredApprovalLevel,
        Context = StoredJson.Parse(s.ContextJson) as JsonObject ?? [],
        RequestedBy = s.RequestedBy,
        AgentId = s.AgentId,
        SessionId = s.SessionId,
        TraceId = s.TraceId,
        WorkflowId = s.WorkflowId,
        WorkflowStep = s.WorkflowStep,
        Policy = new PolicyDto(s.Policy.RequiredApprovals, s.Policy.ApproverRoles, s.Policy.Approvers, s.Policy.AllowSelfApproval, WireNames.Of(s.Policy.OnExpiry)),
        Decisions = s.Decisions.Select(d => new DecisionDto(d.Kind == DecisionKind.Approve ? "approve" : "reject", d.By, d.ByName, d.Note, d.At)).ToList(),
        ExpiresAt = s.ExpiresAt,
        CreatedAt = s.CreatedAt,
        UpdatedAt = s.UpdatedAt,
        DecidedAt = s.DecidedAt,
        DecidedBy = s.DecidedBy,
        DecisionNote = s.DecisionNote,
        Version = s.Version,
    };

    /// <summary>Where a request stands (<c>GET /v1/approvals/{id}/status</c>): its status, decision and version.</summary>
    public static ApprovalStatusDto ToStatusDto(this ApprovalDto a) =>
        new(a.Id, a.Status, a.DecidedAt, a.DecidedBy, a.DecisionNote, a.Version);

    /// <summary>
    /// The reply to a command on an approval, as sent and as stored for an idempotent replay: the
    /// approval with its <c>ETag</c>, and its <c>Location</c> when <paramref name="status"/> is 201.
    /// </summary>
    public static StoredResponse Reply(ApprovalState state, int status = 200) => Reply(state.ToDto(), status);

    /// <inheritdoc cref="Reply(ApprovalState, int)"/>
    public static StoredResponse Reply(ApprovalDto approval, int status = 200)
    {
        var etag = ("ETag", WireNames.ETag(approval.Version));
        return status == 201
            ? StoredResponse.Json(status, approval, etag, ("Location", $"/v1/approvals/{approval.Id}"))
            : StoredResponse.Json(status, approval, etag);
    }
}
