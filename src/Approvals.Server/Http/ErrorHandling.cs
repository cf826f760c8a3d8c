using Approvals.Contracts;
using Approvals.Grains.Abstractions;
using Microsoft.AspNetCore.Diagnostics;

namespace Approvals.Server.Http;

/// <summary>
/// The one place exceptions become problems: bad input that escaped the endpoints (a body over the
/// limit, a malformed request) is a 4xx; lost write races and a node unreachable during a fail-over are
/// 503 with Retry-After; anything else
/// is a 500 whose detail says nothing internal. Bodies are parsed by <see cref="JsonBody"/>, which
/// turns every bad input into a 400 value, so a JsonException reaching here is the server's own
/// failure (a response it could not write), never the client's.
/// </summary>
public sealed class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var http = httpContext;
        var problem = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                Problems.Create(ErrorCodes.PayloadTooLarge, "The request body is larger than allowed."),
            BadHttpRequestException bad => Problems.Validation("request", bad.Message),
            // A lost write race or an unreachable node: the rule the in-cluster client applies too.
            _ when ClusterFailures.ToProblem(exception) is { } busy => Problems.Create(busy.Code, busy.Detail),
            _ => null,
        };
        if (problem is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}.", http.Request.Method, http.Request.Path);
            problem = Problems.Create(ErrorCodes.InternalError, "Something went wrong on our side; the request may be retried.");
        }
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = "1";
        }
        await Problems.Write(http, problem);
        return true;
    }
}
