using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Server.Http;
using Approvals.Core;

namespace Approvals.Server.Approvals;

/// <summary>Domain state → wire shapes of API.md.</summary>
public static class ApprovalMapping
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

    /// <summary>The status view of <c>GET /v1/approvals/{id}/status</c>.</summary>
    public static ApprovalStatusDto ToStatusDto(this ApprovalState s) =>
        new(s.Id, WireNames.Of(s.Status), s.DecidedAt, s.DecidedBy, s.DecisionNote, s.Version);

    /// <summary>An approval response: the full approval with its ETag (and Location when created).</summary>
    public static StoredResponse Response(ApprovalState state, int status = StatusCodes.Status200OK)
    {
        var etag = ("ETag", ETags.Format(state.Version));
        return status == StatusCodes.Status201Created
            ? StoredResponse.Json(status, state.ToDto(), etag, ("Location", $"/v1/approvals/{state.Id}"))
            : StoredResponse.Json(status, state.ToDto(), etag);
    }
}

/// <summary>The body of <c>GET /v1/approvals/{id}/status</c>.</summary>
public sealed record ApprovalStatusDto(string Id, string Status, DateTimeOffset? DecidedAt, string? DecidedBy, string? DecisionNote, long Version);

/// <summary>The body of a list call.</summary>
public sealed record ApprovalListDto(IReadOnlyList<ApprovalDto> Data, string? NextCursor);

/// <summary>Body of approve.</summary>
public sealed record ApproveBody(string? Note = null);

/// <summary>Body of reject and cancel.</summary>
public sealed record ReasonBody(string? Reason = null, string? Note = null);

/// <summary>Body of extend.</summary>
public sealed record ExtendBody([property: System.ComponentModel.DataAnnotations.Required] DateTimeOffset? ExpiresAt = null);

/// <summary>Body of bulk-approve and bulk-reject.</summary>
public sealed record BulkBody([property: System.ComponentModel.DataAnnotations.Required] IReadOnlyList<string>? Ids = null, string? Note = null, string? Reason = null);

/// <summary>One result of a bulk call.</summary>
public sealed record BulkResultDto(string Id, string? Status, BulkErrorDto? Error);

/// <summary>Why one id of a bulk call was not decided.</summary>
public sealed record BulkErrorDto(string Code, string Detail);

/// <summary>The body of a bulk call.</summary>
public sealed record BulkResponseDto(IReadOnlyList<BulkResultDto> Results);
