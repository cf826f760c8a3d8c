using Approvals.Grains.Abstractions;

namespace Approvals.Server.Audit;

/// <summary>
/// Records where each request comes from (remote IP, User-Agent, correlation id) for the events it
/// causes, and echoes the correlation id: the caller's <c>X-Correlation-Id</c> when it is sensible,
/// else a new one.
/// </summary>
public sealed class AuditContextMiddleware(RequestDelegate next)
{
    public const string CorrelationHeader = "X-Correlation-Id";

    private const int MaxCorrelationLength = 128;
    private const int MaxUserAgentLength = 512;

    public async Task InvokeAsync(HttpContext http)
    {
        var given = http.Request.Headers[CorrelationHeader].ToString();
        var correlationId = IsSensible(given) ? given : Guid.NewGuid().ToString("N");
        http.Response.Headers[CorrelationHeader] = correlationId;
        var userAgent = http.Request.Headers.UserAgent.ToString();
        if (userAgent.Length > MaxUserAgentLength)
        {
            userAgent = userAgent[..MaxUserAgentLength];
        }
        // In Orleans' request context of this request's flow: every grain call it makes carries it.
        CallAudit.Set(http.Connection.RemoteIpAddress?.ToString(), userAgent.Length > 0 ? userAgent : null, correlationId);
        await next(http);
    }

    // Printable ASCII only: the id goes back out in a header and into CSV exports.
    private static bool IsSensible(string value) =>
        value.Length is > 0 and <= MaxCorrelationLength && value.All(c => c is > ' ' and <= '~');
}
