using System.Globalization;
using Approvals.Contracts;
using Approvals.Core.Workflows;

namespace Approvals.Core.Storage;

/// <summary>
/// The list queries of API.md (<c>GET /v1/approvals</c>, <c>GET /v1/workflows</c>) from their parameters as text,
/// by the names the API gives them: a query for the store, or a validation error naming each bad parameter. The
/// gateway, the inbox and the silo's query grain (for in-cluster clients) all read a list query through here.
/// </summary>
public static class ListQueries
{
    /// <summary>The largest page a list call returns.</summary>
    public const int MaxLimit = 100;

    /// <summary>The approvals of <paramref name="tenantId"/> that <paramref name="parameter"/> (a value by its name, or null) asks for.</summary>
    public static Result<ApprovalQuery> ParseApprovals(Func<string, string?> parameter, string tenantId)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var result = new ApprovalQuery(tenantId);
        string? Text(string name) => parameter(name) is { Length: > 0 } v ? v : null;

        if (Text("status") is { } statusText)
        {
            if (WireNames.TryParseStatus(statusText, out var status)) { result = result with { Status = status }; }
            else { errors["status"] = ["status must be one of pending, approved, rejected, expired, cancelled."]; }
        }
        if (Text("risk_level") is { } riskText)
        {
            if (WireNames.TryParseRiskLevel(riskText, out var risk)) { result = result with { RiskLevel = risk }; }
            else { errors["risk_level"] = ["risk_level must be one of low, medium, high, critical."]; }
        }
        result = result with { AgentId = Text("agent_id"), RequestedBy = Text("requested_by"), WorkflowId = Text("workflow_id") };
        foreach (var (name, set) in new (string, Func<ApprovalQuery, DateTimeOffset, ApprovalQuery>)[]
        {
            ("created_after", (q, t) => q with { CreatedAfter = t }),
            ("created_before", (q, t) => q with { CreatedBefore = t }),
        })
        {
            if (Text(name) is { } timeText)
            {
                if (DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)) { result = set(result, time); }
                else { errors[name] = [$"{name} must be an ISO 8601 time."]; }
            }
        }
        if (Limit(Text("limit"), errors) is { } limit)
        {
            result = result with { Limit = limit };
        }
        if (Cursor(Text("cursor"), errors) is { } cursor)
        {
            result = result with { After = cursor };
        }
        return errors.Count > 0 ? DomainError.Validation(errors) : result;
    }

    /// <summary>The workflows of <paramref name="tenantId"/> that <paramref name="parameter"/> asks for.</summary>
    public static Result<WorkflowQuery> ParseWorkflows(Func<string, string?> parameter, string tenantId)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var query = new WorkflowQuery(tenantId);
        if (parameter("status") is { Length: > 0 } statusText)
        {
            if (WorkflowStateMachine.TryParse(statusText, out var status)) { query = query with { Status = status }; }
            else { errors["status"] = ["status must be one of active, waiting_approval, waiting_task, delayed, completed, failed, cancelled."]; }
        }
        if (Limit(parameter("limit") is { Length: > 0 } limitText ? limitText : null, errors) is { } limit)
        {
            query = query with { Limit = limit };
        }
        if (Cursor(parameter("cursor") is { Length: > 0 } cursorText ? cursorText : null, errors) is { } cursor)
        {
            query = query with { After = cursor };
        }
        return errors.Count > 0 ? DomainError.Validation(errors) : query;
    }

    private static int? Limit(string? text, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxLimit)
        {
            return limit;
        }
        errors["limit"] = [$"limit must be a whole number from 1 to {MaxLimit}."];
        return null;
    }

    private static PageCursor? Cursor(string? text, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }
        if (PageCursor.TryDecode(text, out var cursor))
        {
            return cursor;
        }
        errors["cursor"] = ["cursor is not one this API returned."];
        return null;
    }
}
