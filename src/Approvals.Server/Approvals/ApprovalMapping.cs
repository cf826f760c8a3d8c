using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Server.Http;
using Approvals.Core.Storage;

namespace Approvals.Server.Approvals;

/// <summary>Domain state → the HTTP responses of API.md (the approval body itself is <see cref="ApprovalViews.ToDto"/>).</summary>
public static class ApprovalMapping
{
    /// <summary>The status view of <c>GET /v1/approvals/{id}/status</c>.</summary>
    public static ApprovalStatusDto ToStatusDto(this ApprovalDto a) =>
        new(a.Id, a.Status, a.DecidedAt, a.DecidedBy, a.DecisionNote, a.Version);
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
