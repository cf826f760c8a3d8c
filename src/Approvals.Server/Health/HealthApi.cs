using Approvals.Core.Storage;

namespace Approvals.Server.Health;

/// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (storage answers too).</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health/live", () => Results.Ok(new { status = "live" })).AllowAnonymous().WithTags("Health");
        routes.MapGet("/health/ready", async (IApprovalsStore store, CancellationToken ct) =>
            await store.IsReachableAsync(ct)
                ? Results.Ok(new { status = "ready" })
                : Results.Json(new { status = "storage unreachable" }, statusCode: StatusCodes.Status503ServiceUnavailable))
            .AllowAnonymous().WithTags("Health");
        return routes;
    }
}
