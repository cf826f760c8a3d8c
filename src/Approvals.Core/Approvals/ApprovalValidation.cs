using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using Approvals.Contracts;
using Approvals.Core.Events;
using Approvals.Core.Principals;

namespace Approvals.Core.Approvals;

/// <summary>The create fields after validation, in domain types.</summary>
public sealed record ValidatedCreate(string Title, int RiskScore, string ContextJson, DateTimeOffset ExpiresAt, ApprovalPolicy Policy);

/// <summary>Validation of every create field of API.md; collects all field errors at once.</summary>
public static class ApprovalValidation
{
    private const int MaxTitle = 200;
    private const int MaxSummary = 4000;
    private const int MaxShortText = 200;

    /// <summary>Validates a create body against the clock and the configured limits.</summary>
    public static Result<ValidatedCreate> ValidateCreate(CreateApprovalRequest request, DateTimeOffset now, ApprovalOptions options)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }
            list.Add(message);
        }

        var title = request.Title?.Trim();
        if (string.IsNullOrEmpty(title))
        {
            Add("title", "title is required.");
        }
        else if (title.Length > MaxTitle)
        {
            Add("title", $"title must be at most {MaxTitle} characters.");
        }

        if (request.Summary is { Length: > MaxSummary })
        {
            Add("summary", $"summary must be at most {MaxSummary} characters.");
        }
        foreach (var (field, value) in new[]
        {
            ("requested_operation", request.RequestedOperation), ("target", request.Target),
            ("resource_scope", request.ResourceScope), ("data_classification", request.DataClassification),
            ("agent_id", request.AgentId), ("session_id", request.SessionId), ("trace_id", request.TraceId),
        })
        {
            if (value is { Length: > MaxShortText })
            {
                Add(field, $"{field} must be at most {MaxShortText} characters.");
            }
        }

        var riskScore = request.RiskScore ?? 0;
        if (riskScore is < 0 or > 100)
        {
            Add("risk_score", "risk_score must be between 0 and 100.");
        }

        var contextJson = "{}";
        if (request.Context is { ValueKind: not JsonValueKind.Null } context
            && StoredJson.TryCanonicalize(context, "context", options.MaxContextBytes, objectOnly: true, out contextJson) is { } contextError)
        {
            Add("context", contextError);
        }

        var expiresAt = now + options.DefaultExpiry;
        if (request.ExpiresIn is not null && request.ExpiresAt is not null)
        {
            Add("expires_in", "Give expires_in or expires_at, not both.");
        }
        else if (request.ExpiresIn is not null)
        {
            if (!TryParseDuration(request.ExpiresIn, out var duration) || duration <= TimeSpan.Zero)
            {
                Add("expires_in", "expires_in must be a positive ISO 8601 duration such as PT4H.");
            }
            else if (duration > options.MaxExpiry)
            {
                Add("expires_in", $"expires_in must be at most {XmlConvert.ToString(options.MaxExpiry)}.");
            }
            else
            {
                expiresAt = now + duration;
            }
        }
        else if (request.ExpiresAt is { } requestedAt)
        {
            var at = Truncate(requestedAt);
            if (CheckDeadline("expires_at", at, now, options) is { Fields: { } fields })
            {
                foreach (var (field, messages) in fields)
                {
                    messages.ToList().ForEach(m => Add(field, m));
                }
            }
            expiresAt = at;
        }

        var policy = ValidatePolicy(request.Policy, Add);

        if (errors.Count > 0)
        {
            return DomainError.Validation(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }
        return Result<ValidatedCreate>.Success(new ValidatedCreate(title!, riskScore, contextJson, Truncate(expiresAt), policy));
    }

    /// <summary>A deadline must lie in the future and no further than the configured maximum.</summary>
    public static DomainError? CheckDeadline(string field, DateTimeOffset deadline, DateTimeOffset now, ApprovalOptions options)
    {
        if (deadline <= now)
        {
            return DomainError.Validation(field, $"{field} must be in the future.");
        }
        if (deadline > now + options.MaxExpiry)
        {
            return DomainError.Validation(field, $"{field} must be at most {XmlConvert.ToString(options.MaxExpiry)} from now.");
        }
        return null;
    }

    private static ApprovalPolicy ValidatePolicy(PolicyDto? dto, Action<string, string> add)
    {
        if (dto is null)
        {
            return ApprovalPolicy.Default;
        }
        var required = dto.RequiredApprovals ?? 1;
        if (required is < 1 or > ApprovalOptions.MaxRequiredApprovals)
        {
            add("policy.required_approvals", $"required_approvals must be between 1 and {ApprovalOptions.MaxRequiredApprovals}.");
        }
        var roles = dto.ApproverRoles ?? [];
        foreach (var role in roles)
        {
            if (role is null || !Roles.DeciderLevels.ContainsKey(role))
            {
                add("policy.approver_roles", $"'{role}' is not a role that decides (reviewer, manager, security_manager, admin).");
            }
        }
        var approvers = dto.Approvers ?? [];
        if (approvers.Any(string.IsNullOrWhiteSpace))
        {
            add("policy.approvers", "approvers must be non-empty user ids.");
        }
        else if (approvers.Count > 0 && approvers.Distinct(StringComparer.Ordinal).Count() < required)
        {
            add("policy.approvers", "approvers names fewer people than required_approvals needs.");
        }
        var onExpiry = OnExpiry.Expire;
        if (dto.OnExpiry is not null && !WireNames.TryParseOnExpiry(dto.OnExpiry, out onExpiry))
        {
            add("policy.on_expiry", "on_expiry must be one of expire, reject, approve, escalate.");
        }
        return new ApprovalPolicy(required, roles.Distinct(StringComparer.Ordinal).ToList(),
            approvers.Distinct(StringComparer.Ordinal).ToList(), dto.AllowSelfApproval ?? false, onExpiry);
    }

    /// <summary>Parses an ISO 8601 duration (PT4H, P1D, PT30M).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text) || !text.StartsWith('P'))
        {
            return false;
        }
        try
        {
            duration = XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>Times are kept to the microsecond, the precision both databases store exactly.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset t) =>
        new(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);
}
