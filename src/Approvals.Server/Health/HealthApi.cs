using Approvals.Core.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Approvals.Server.Health;

/// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (storage answers too).</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health/live", () => TypedResults.Ok(new HealthDto("live"))).AllowAnonymous().WithTags("Health");
        routes.MapGet("/health/ready", async Task<Results<Ok<HealthDto>, JsonHttpResult<HealthDto>>> (IStoreDatabase database, CancellationToken ct) =>
                await database.IsReachableAsync(ct)
                    ? TypedResults.Ok(new HealthDto("ready"))
                    : TypedResults.Json(new HealthDto("storage unreachable"), statusCode: StatusCodes.Status503ServiceUnavailable))
            .Produces<HealthDto>(StatusCodes.Status503ServiceUnavailable)
            .AllowAnonymous().WithTags("Health");
        return routes;
    }
}

/// <summary>The answer of a health check: <c>live</c>, <c>ready</c> or what is wrong.</summary>
public sealed record HealthDto(string Status);
