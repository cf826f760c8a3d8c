namespace Approvals.Contracts;

/// <summary>The snake_case wire spelling of the contract's enums, in one place.</summary>
public static class WireNames
{
    /// <summary>The wire name of a status (<c>pending</c>, <c>approved</c>, …).</summary>
    public static string Of(ApprovalStatus status) => status switch
    {
        ApprovalStatus.Pending => "pending",
        ApprovalStatus.Approved => "approved",
        ApprovalStatus.Rejected => "rejected",
        ApprovalStatus.Expired => "expired",
        ApprovalStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>The wire name of a risk level (<c>low</c>, <c>medium</c>, …).</summary>
    public static string Of(RiskLevel level) => level switch
    {
        RiskLevel.Low => "low",
        RiskLevel.Medium => "medium",
        RiskLevel.High => "high",
        RiskLevel.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };

    /// <summary>The wire name of an expiry policy (<c>expire</c>, <c>reject</c>, …).</summary>
    public static string Of(OnExpiry onExpiry) => onExpiry switch
    {
        OnExpiry.Expire => "expire",
        OnExpiry.Reject => "reject",
        OnExpiry.Approve => "approve",
        OnExpiry.Escalate => "escalate",
        _ => throw new ArgumentOutOfRangeException(nameof(onExpiry), onExpiry, null),
    };

    /// <summary>The ETag of a resource at <paramref name="version"/>: the quoted version (<c>"3"</c>).</summary>
    public static string ETag(long version) => $"\"{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"";

    /// <summary>The version an ETag of <see cref="ETag"/> names (weak or strong); false for anything else.</summary>
    public static bool TryParseETag(string? etag, out long version)
    {
        var tag = (etag ?? "").Trim();
        tag = tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
        return long.TryParse(tag.Trim('"'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out version);
    }

    /// <summary>Parses a wire status name; false for anything unknown.</summary>
    public static bool TryParseStatus(string? value, out ApprovalStatus status) =>
        TryParse(value, out status, Of);

    /// <summary>Parses a wire risk level name; false for anything unknown.</summary>
    public static bool TryParseRiskLevel(string? value, out RiskLevel level) =>
        TryParse(value, out level, Of);

    /// <summary>Parses a wire expiry policy name; false for anything unknown.</summary>
    public static bool TryParseOnExpiry(string? value, out OnExpiry onExpiry) =>
        TryParse(value, out onExpiry, Of);

    private static bool TryParse<T>(string? value, out T result, Func<T, string> name) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(name(candidate), value, StringComparison.Ordinal))
            {
                result = candidate;
                return true;
            }
        }
        result = default;
        return false;
    }
}
