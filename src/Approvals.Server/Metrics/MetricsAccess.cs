using System.Net;
using Approvals.Server.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Metrics;

/// <summary>Who may read <c>/metrics</c>; see <see cref="MetricsAccessHandler"/>.</summary>
public sealed class MetricsAccessRequirement : IAuthorizationRequirement;

/// <summary>
/// <c>/metrics</c> is for the Prometheus server that scrapes this node: a caller on this machine (loopback)
/// needs no token, as a sidecar or a local agent usually has none; any other caller needs what the dashboard
/// needs, the admin role or the admin scope (401 without credentials, 403 with others), unless
/// <see cref="MetricsOptions.AllowAnonymous"/> opens it to everyone. The remote address is the connection's:
/// behind a reverse proxy on the same machine every caller looks local, so such a proxy must not pass
/// <c>/metrics</c> through.
/// </summary>
public sealed class MetricsAccessHandler(IOptions<MetricsOptions> options) : AuthorizationHandler<MetricsAccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MetricsAccessRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (options.Value.AllowAnonymous
            || (context.Resource is HttpContext http && IsLoopback(http.Connection.RemoteIpAddress))
            || PrincipalMapping.FromClaims(context.User) is { IsAdmin: true })
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }

    /// <summary>127.0.0.0/8 and ::1, also as an IPv4-mapped IPv6 address (a dual-stack socket reports those); no address is not local.</summary>
    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
