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
