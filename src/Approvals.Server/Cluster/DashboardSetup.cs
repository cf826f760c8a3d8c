using Approvals.Server.Auth;
using Orleans.Dashboard;

namespace Approvals.Server.Cluster;

/// <summary>
/// The Orleans dashboard at <c>/dashboard</c>: silos, activations, call rates, errors and latency per grain
/// and method, reminders, and a live log stream. Operators only: a person with the admin role or a key
/// with the admin scope (401 without credentials, 403 with others), for every page and data endpoint
/// of it, the log stream (<c>/dashboard/Trace</c>) included.
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
        silo.Services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => PrincipalMapping.FromClaims(context.User) is { IsAdmin: true }));
        return silo;
    }

    public static void MapApprovalsDashboard(this IEndpointRouteBuilder routes, IConfiguration configuration)
    {
        if (IsEnabled(configuration))
        {
            routes.MapOrleansDashboard(Path).RequireAuthorization(Policy).ExcludeFromDescription();
        }
    }
}
