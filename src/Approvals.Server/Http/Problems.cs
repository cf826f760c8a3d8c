using System.Text.Json;
using Approvals.Contracts;
using Approvals.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Approvals.Server.Http;

/// <summary>
/// Every error is <c>application/problem+json</c> (RFC 9457) with a stable <c>code</c>; this is the
/// one place that builds the bodies (the statuses and titles of the codes are <see cref="ApiProblems"/>'s,
/// shared with the in-cluster client).
/// </summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

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
            problem.Extensions["etag"] = WireNames.ETag(version);
        }
        if (error.Fields is { } fields)
        {
            problem.Extensions["errors"] = fields;
        }
        return problem;
    }

    public static ProblemDetails Create(string code, string detail)
    {
        var (status, title) = ApiProblems.Describe(code);
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
