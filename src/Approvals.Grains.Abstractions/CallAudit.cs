namespace Approvals.Grains.Abstractions;

/// <summary>
/// Where a call comes from (remote address, user agent, correlation id), for the audit trail of the
/// events it causes. It travels in Orleans' <see cref="RequestContext"/>, so it reaches the grain on any
/// silo and flows on into the grain calls that grain makes; a reminder or timer turn has none.
/// </summary>
public static class CallAudit
{
    private const string IpKey = "approvals.audit.ip";
    private const string UserAgentKey = "approvals.audit.user_agent";
    private const string CorrelationIdKey = "approvals.audit.correlation_id";

    /// <summary>Sets the origin of the calls this async flow makes from now on (an in-cluster client or the gateway does this per request).</summary>
    public static void Set(string? ip, string? userAgent, string? correlationId)
    {
        Put(IpKey, ip);
        Put(UserAgentKey, userAgent);
        Put(CorrelationIdKey, correlationId);
    }

    /// <summary>The origin of the call being served, or null when it carries none.</summary>
    public static (string? Ip, string? UserAgent, string? CorrelationId)? Current
    {
        get
        {
            var ip = RequestContext.Get(IpKey) as string;
            var userAgent = RequestContext.Get(UserAgentKey) as string;
            var correlationId = RequestContext.Get(CorrelationIdKey) as string;
            return ip is null && userAgent is null && correlationId is null ? null : (ip, userAgent, correlationId);
        }
    }

    private static void Put(string key, string? value)
    {
        if (value is null)
        {
            RequestContext.Remove(key);
        }
        else
        {
            RequestContext.Set(key, value);
        }
    }
}
