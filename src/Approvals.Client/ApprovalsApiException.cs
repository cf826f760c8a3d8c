using System.Net;
using Approvals.Contracts;

namespace Approvals.Client;

/// <summary>
/// The API refused a call: every error response (an <c>application/problem+json</c> body, or anything else
/// a proxy may answer with) becomes one, carrying the HTTP status, the stable <see cref="Code"/> of
/// <see cref="ErrorCodes"/> and the problem as the server wrote it.
/// </summary>
public class ApprovalsApiException : Exception
{
    /// <summary>A refusal described by <paramref name="problem"/> (null when the body was not a problem).</summary>
    public ApprovalsApiException(HttpStatusCode status, string code, string detail, ApiProblem? problem)
        : this(status, code, detail, problem, null)
    {
    }

    /// <summary>A refusal described by <paramref name="problem"/> that <paramref name="innerException"/> caused (a failure on the way, not an answer).</summary>
    public ApprovalsApiException(HttpStatusCode status, string code, string detail, ApiProblem? problem, Exception? innerException)
        : base($"{(int)status} {code}: {detail}", innerException)
    {
        Status = status;
        Code = code;
        Detail = detail;
        Problem = problem;
    }

    /// <summary>The HTTP status of the response.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>
    /// The problem's stable <c>code</c> (<see cref="ErrorCodes"/>, such as <c>already_resolved</c>); for a
    /// response that was not a problem, <c>http_&lt;status&gt;</c>.
    /// </summary>
    public string Code { get; }

    /// <summary>What went wrong with this call, as the server (or whatever answered) said.</summary>
    public string Detail { get; }

    /// <summary>The problem as the server wrote it; null when the body was not one.</summary>
    public ApiProblem? Problem { get; }

    /// <summary>For <c>already_resolved</c>: the request's own status (approved, rejected, …); null otherwise.</summary>
    public ApprovalStatus? CurrentStatus =>
        WireNames.TryParseStatus(Problem?.CurrentStatus, out var status) ? status : null;

    /// <summary>For <c>precondition_failed</c>: the resource's current version (from its ETag); null otherwise.</summary>
    public long? CurrentVersion => WireNames.TryParseETag(Problem?.Etag, out var version) ? version : null;

    /// <summary>For <c>validation_error</c>: the messages per field; empty otherwise.</summary>
    public IReadOnlyDictionary<string, string[]> Errors => Problem?.Errors ?? new Dictionary<string, string[]>();
}
