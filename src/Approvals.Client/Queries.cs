using System.Globalization;
using Approvals.Contracts;

namespace Approvals.Client;

/// <summary>The filters of <c>GET /v1/approvals</c>; every one is optional.</summary>
public sealed record ApprovalListQuery
{
    /// <summary>Only requests in this status.</summary>
    public ApprovalStatus? Status { get; init; }

    /// <summary>Only requests of this risk level.</summary>
    public RiskLevel? RiskLevel { get; init; }

    /// <summary>Only requests filed for this agent.</summary>
    public string? AgentId { get; init; }

    /// <summary>Only requests filed by this principal id.</summary>
    public string? RequestedBy { get; init; }

    /// <summary>Only requests of this workflow.</summary>
    public string? WorkflowId { get; init; }

    /// <summary>Only requests created after this time.</summary>
    public DateTimeOffset? CreatedAfter { get; init; }

    /// <summary>Only requests created before this time.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Page size (1–100; the server's default is 20). It sets how many come per request, not how many in all.</summary>
    public int? PageSize { get; init; }

    /// <summary>The query's parameters of <c>GET /v1/approvals</c> by their API names (null where not set), with the page's <paramref name="cursor"/>.</summary>
    internal (string Name, string? Value)[] Parameters(string? cursor) =>
    [
        ("status", Status is { } status ? WireNames.Of(status) : null),
        ("risk_level", RiskLevel is { } risk ? WireNames.Of(risk) : null),
        ("agent_id", AgentId),
        ("requested_by", RequestedBy),
        ("workflow_id", WorkflowId),
        ("created_after", CreatedAfter is { } after ? WireJson.Format(after) : null),
        ("created_before", CreatedBefore is { } before ? WireJson.Format(before) : null),
        ("limit", PageSize?.ToString(CultureInfo.InvariantCulture)),
        ("cursor", cursor),
    ];
}

/// <summary>The filters of <c>GET /v1/workflows</c>.</summary>
public sealed record WorkflowListQuery
{
    /// <summary>Only workflows in this status (<c>active</c>, <c>waiting_approval</c>, <c>waiting_task</c>, <c>delayed</c>, <c>completed</c>, <c>failed</c>, <c>cancelled</c>).</summary>
    public string? Status { get; init; }

    /// <summary>Page size (1–100; the server's default is 20).</summary>
    public int? PageSize { get; init; }

    /// <summary>The query's parameters of <c>GET /v1/workflows</c> by their API names (null where not set), with the page's <paramref name="cursor"/>.</summary>
    internal (string Name, string? Value)[] Parameters(string? cursor) =>
        [("status", Status), ("limit", PageSize?.ToString(CultureInfo.InvariantCulture)), ("cursor", cursor)];
}

/// <summary>The filters of <c>GET /v1/audit</c> (admins only).</summary>
public sealed record AuditListQuery
{
    /// <summary>Only events of this approval or workflow.</summary>
    public string? SubjectId { get; init; }

    /// <summary>Only events caused by this principal id.</summary>
    public string? Actor { get; init; }

    /// <summary>Only events of this type, such as <c>approval.approved</c>.</summary>
    public string? Type { get; init; }

    /// <summary>Only events at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Only events up to this time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Page size (1–500; the server's default is 50).</summary>
    public int? PageSize { get; init; }
}
