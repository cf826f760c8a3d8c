using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Grains.Abstractions;

namespace Approvals.Server.Inbox;

/// <summary>How the inbox words times, people, JSON and refusals.</summary>
public static class InboxFormat
{
    // Indented for reading; the page HTML-encodes it, so nothing needs escaping twice.
    private static readonly JsonSerializerOptions Readable = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A time as a person reads it, in UTC (the server knows no one's time zone).</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A time as a machine reads it, for <c>&lt;time datetime&gt;</c>.</summary>
    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>How long until <paramref name="deadline"/>, coarsely: "2 d 3 h", "3 h 12 min", "4 min", or "overdue".</summary>
    public static string TimeLeft(DateTimeOffset deadline, DateTimeOffset now)
    {
        var left = deadline - now;
        if (left <= TimeSpan.Zero)
        {
            return "overdue";
        }
        return left switch
        {
            { TotalDays: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)left.TotalDays} d {left.Hours} h"),
            { TotalHours: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)left.TotalHours} h {left.Minutes} min"),
            { TotalMinutes: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)left.TotalMinutes} min"),
            _ => "under a minute",
        };
    }

    /// <summary>Roles, approval level and tenant of the signed-in person, or a key's scopes.</summary>
    public static string Describe(Principal principal) => principal.Kind == PrincipalKind.ApiKey
        ? $"API key ({string.Join(", ", principal.Scopes.Order(StringComparer.Ordinal))}) · tenant {principal.TenantId}"
        : $"{(principal.Roles.Count > 0 ? string.Join(", ", principal.Roles.Order(StringComparer.Ordinal)) : "no role")} · approval level {RiskPolicy.LevelOf(principal)} · tenant {principal.TenantId}";

    /// <summary>A JSON value indented for reading.</summary>
    public static string Json(JsonNode? node) => node is null ? "null" : node.ToJsonString(Readable);

    /// <summary>
    /// Why a person may not decide, in words: the state machine's own explanation, after a short name
    /// of the rule (the code) so the reason is recognisable at a glance.
    /// </summary>
    public static string Refusal(CallError error) => error.Code switch
    {
        ErrorCodes.InsufficientApprovalLevel => $"Insufficient approval level. {error.Detail}",
        ErrorCodes.SelfApprovalForbidden => "This is your own request: the requester may not decide it.",
        ErrorCodes.AlreadyDecided => "You have already decided this request.",
        ErrorCodes.AlreadyResolved => $"Already decided: the request is {error.CurrentStatus ?? "final"}.",
        Core.DomainError.ExpiryDue => "Its deadline has passed.",
        _ => error.Detail,
    };

    /// <summary>A status as a word on a badge.</summary>
    public static string Label(string wireName) => wireName.Replace('_', ' ');
}
