using Orleans.Dashboard;

namespace Approvals.Server.Cluster;

/// <summary>
/// The Orleans dashboard at <c>/dashboard</c>: silos, activations, call rates, errors and latency per grain
/// and method, reminders, and a live log stream. Operators only: a person with the admin role or a key
/// with the admin scope (401 without credentials, 403 with others), for every page and data endpoint
/// of it, the log stream (<c>/dashboard/Trace</c>) included; in a browser through the reviewer inbox's
/// session (<see cref="DashboardAuth"/>).
/// </summary>
public static class DashboardSetup
{
    public const string Path = "/dashboard";
    public const string Policy = "orleans-dashboard";

    /// <summary>The switch, <c>Approvals:Dashboard:Enabled</c> (on by default).</summary>
    public static bool IsEnabled(IConfiguration configuration) => configuration.GetValue("Approvals:Dashboard:Enabled", true);

    public static ISiloBuilder AddApprovalsDashboard(this ISiloBuilder silo, IConfiguration configuration)
    {
        if (!IsEnabled(configuration))
        {
            return silo;
        }
        silo.AddDashboard();
        silo.Services.AddDashboardAuth();
        return silo;
    }

    public static void MapApprovalsDashboard(this IEndpointRouteBuilder routes, IConfiguration configuration)
    {
        if (IsEnabled(configuration))
        {
            routes.MapOrleansDashboard(Path).RequireAuthorization(Policy).ExcludeFromDescription()
                .AddEndpointFilter((context, next) =>
                {
                    // Never inside another page: a frame from a sibling site (same-site, so the Lax cookie goes) is
                    // the one way another site could show an operator's dashboard under its own.
                    var headers = context.HttpContext.Response.Headers;
                    headers.XFrameOptions = "DENY";
                    headers.ContentSecurityPolicy = "frame-ancestors 'none'";
                    // Never sniffed: the log stream comes without a Content-Type, and a browser that holds back its
                    // first kilobyte to guess one shows nothing until the log has said that much.
                    headers.XContentTypeOptions = "nosniff";
                    return next(context);
                });
        }
    }
}
