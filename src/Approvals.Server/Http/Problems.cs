using System.Text.Json;
using Approvals.Contracts;
using Approvals.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Approvals.Server.Http;

/// <summary>
/// Every error is <c>application/problem+json</c> (RFC 9457) with a stable <c>code</c>; this is the
/// one place that maps codes to statuses and builds the bodies.
/// </summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    private static readonly Dictionary<string, (int Status, string Title)> Codes = new(StringComparer.Ordinal)
    {
        [ErrorCodes.ValidationError] = (400, "Invalid request"),
        [ErrorCodes.Unauthorized] = (401, "Unauthorized"),
        [ErrorCodes.Forbidden] = (403, "Forbidden"),
        [ErrorCodes.SelfApprovalForbidden] = (403, "Self-approval forbidden"),
        [ErrorCodes.InsufficientApprovalLevel] = (403, "Insufficient approval level"),
        [ErrorCodes.NotFound] = (404, "Not found"),
        [ErrorCodes.AlreadyResolved] = (409, "Already resolved"),
        [ErrorCodes.AlreadyDecided] = (409, "Already decided"),
        [IdempotencyKeyInUse] = (409, "Idempotency key in use"),
        [Core.Workflows.WorkflowStateMachine.InvalidState] = (409, "Invalid state"),
        [Busy] = (503, "Busy"),
        [ErrorCodes.PreconditionFailed] = (412, "Precondition failed"),
        [ErrorCodes.PayloadTooLarge] = (413, "Payload too large"),
        [ErrorCodes.IdempotencyKeyReused] = (422, "Idempotency key reused"),
        [ErrorCodes.RateLimited] = (429, "Too many requests"),
    };

    /// <summary>409: a request with the same Idempotency-Key is still running.</summary>
    public const string IdempotencyKeyInUse = "idempotency_key_in_use";

    /// <summary>503: the request lost too many write races; retrying is safe.</summary>
    public const string Busy = "busy";

    /// <summary>The problem for a domain refusal, with its extension members.</summary>
    public static ProblemDetails From(DomainError error)
    {
        var problem = Create(error.Code, error.Detail);
        if (error.CurrentStatus is { } status)
        {
            problem.Extensions["current_status"] = WireNames.Of(status);
        }
        if (error.CurrentVersion is { } version)
        {
            problem.Extensions["etag"] = ETags.Format(version);
        }
        if (error.Fields is { } fields)
        {
            problem.Extensions["errors"] = fields;
        }
        return problem;
    }

    public static ProblemDetails Create(string code, string detail)
    {
        var (status, title) = Codes.TryGetValue(code, out var known) ? known : (500, "Server error");
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = "about:blank" };
        problem.Extensions["code"] = code;
        return problem;
    }

    /// <summary>
    /// A problem for a status the framework chose before any endpoint ran (405, 415, …): that
    /// status, its reason phrase and the code <c>http_{status}</c>. (Through <see cref="Create"/> an
    /// unknown code would turn it into a 500.)
    /// </summary>
    public static ProblemDetails ForStatus(int status, string detail)
    {
        var problem = new ProblemDetails
        {
            Status = status, Title = ReasonPhrases.GetReasonPhrase(status), Detail = detail, Type = "about:blank",
        };
        problem.Extensions["code"] = $"http_{status}";
        return problem;
    }

    public static ProblemDetails Validation(string field, string message) =>
        From(DomainError.Validation(field, message));

    public static ProblemDetails Unauthorized(string detail) => Create(ErrorCodes.Unauthorized, detail);

    public static ProblemDetails Forbidden(string detail) => Create(ErrorCodes.Forbidden, detail);

    public static ProblemDetails NotFound(string detail) => Create(ErrorCodes.NotFound, detail);

    /// <summary>As an endpoint result.</summary>
    public static IResult Result(ProblemDetails problem) => new ProblemResult(problem);

    public static IResult Result(DomainError error) => Result(From(error));

    /// <summary>Writes a problem directly (middleware and authentication events).</summary>
    public static Task Write(HttpContext http, ProblemDetails problem)
    {
        http.Response.StatusCode = problem.Status ?? 500;
        http.Response.ContentType = ContentType;
        return http.Response.WriteAsync(Serialize(problem));
    }

    /// <summary>
    /// The body of a problem. <c>status</c> is always the HTTP status number (RFC 9457), so any
    /// problem reader (a .NET <c>ProblemDetails</c>, a generated client) reads every error; the
    /// request's own state travels as <c>current_status</c>. Extensions come after the standard
    /// members and never replace one.
    /// </summary>
    public static string Serialize(ProblemDetails problem)
    {
        var extensions = problem.Extensions;
        var body = new ApiProblem(problem.Type ?? "about:blank", problem.Title ?? "", problem.Status ?? 500, problem.Detail ?? "",
            extensions.TryGetValue("code", out var code) && code is string text ? text : $"http_{problem.Status ?? 500}")
        {
            Errors = extensions.TryGetValue("errors", out var errors) ? (IReadOnlyDictionary<string, string[]>?)errors : null,
            CurrentStatus = extensions.TryGetValue("current_status", out var current) ? (string?)current : null,
            Etag = extensions.TryGetValue("etag", out var etag) ? (string?)etag : null,
        };
        var unknown = extensions.Keys.Except(["code", "errors", "current_status", "etag"]).FirstOrDefault();
        // A new member belongs in ApiProblem, where the OpenAPI document sees it.
        return unknown is null
            ? JsonSerializer.Serialize(body, WireJson.Options)
            : throw new InvalidOperationException($"The problem member '{unknown}' is not part of {nameof(ApiProblem)}.");
    }

    private sealed class ProblemResult(ProblemDetails problem) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
    {
        public int? StatusCode => problem.Status;
        public string ContentType => Problems.ContentType;
        public Task ExecuteAsync(HttpContext httpContext) => Write(httpContext, problem);
    }
}
