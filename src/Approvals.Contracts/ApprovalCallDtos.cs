using System.ComponentModel.DataAnnotations;

namespace Approvals.Contracts;

/// <summary>The body of <c>GET /v1/approvals/{id}/status</c>: where a request stands, without its detail.</summary>
/// <param name="Id">The request's id.</param>
/// <param name="Status">The wire name of its status (<c>pending</c>, <c>approved</c>, …).</param>
/// <param name="DecidedAt">When it was decided, if it was.</param>
/// <param name="DecidedBy">Who decided it, if anyone did.</param>
/// <param name="DecisionNote">The deciding note or reason, if any.</param>
/// <param name="Version">The request's version (its ETag, unquoted).</param>
public sealed record ApprovalStatusDto(string Id, string Status, DateTimeOffset? DecidedAt, string? DecidedBy, string? DecisionNote, long Version);

/// <summary>A page of <c>GET /v1/approvals</c>, newest first.</summary>
/// <param name="Data">The requests of this page.</param>
/// <param name="NextCursor">The <c>cursor</c> of the next page; null on the last one.</param>
public sealed record ApprovalListDto(IReadOnlyList<ApprovalDto> Data, string? NextCursor);

/// <summary>Body of <c>POST /v1/approvals/{id}/approve</c>.</summary>
/// <param name="Note">Why it is approved; shown with the decision.</param>
public sealed record ApproveBody(string? Note = null);

/// <summary>Body of <c>POST /v1/approvals/{id}/reject</c> and <c>…/cancel</c>.</summary>
/// <param name="Reason">Why; shown with the decision.</param>
/// <param name="Note">Accepted in place of <paramref name="Reason"/>.</param>
public sealed record ReasonBody(string? Reason = null, string? Note = null);

/// <summary>Body of <c>POST /v1/approvals/{id}/extend</c>.</summary>
/// <param name="ExpiresAt">The new deadline.</param>
public sealed record ExtendBody([property: Required] DateTimeOffset? ExpiresAt = null);

/// <summary>Body of <c>POST /v1/approvals/bulk-approve</c> and <c>bulk-reject</c>.</summary>
/// <param name="Ids">1–100 approval ids, each decided on its own.</param>
/// <param name="Note">The note (approve) or reason (reject) recorded with every decision.</param>
/// <param name="Reason">Accepted in place of <paramref name="Note"/>.</param>
public sealed record BulkBody([property: Required] IReadOnlyList<string>? Ids = null, string? Note = null, string? Reason = null);

/// <summary>One id's outcome in a bulk call.</summary>
/// <param name="Id">The approval id as sent.</param>
/// <param name="Status">The request's status after the call (null when it was not found).</param>
/// <param name="Error">Why it was not decided; null when it was.</param>
public sealed record BulkResultDto(string Id, string? Status, BulkErrorDto? Error);

/// <summary>Why one id of a bulk call was not decided.</summary>
/// <param name="Code">A stable code of <see cref="ErrorCodes"/>.</param>
/// <param name="Detail">What went wrong with this id.</param>
public sealed record BulkErrorDto(string Code, string Detail);

/// <summary>The body of a bulk call: one result per id, in the order sent.</summary>
/// <param name="Results">The outcomes.</param>
public sealed record BulkResponseDto(IReadOnlyList<BulkResultDto> Results);
