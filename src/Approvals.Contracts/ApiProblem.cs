using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Approvals.Contracts;

/// <summary>
/// The body of every error (<c>application/problem+json</c>, RFC 9457): what the server writes, what its
/// OpenAPI document shows and what clients read, so none of them can drift apart.
/// </summary>
[Description("An error (RFC 9457 problem details) with the stable code of API.md.")]
public sealed record ApiProblem(
    [property: Description("A URI naming the problem type; `about:blank` when the title says it all.")] string Type,
    [property: Description("A short summary of the problem type.")] string Title,
    [property: Description("The HTTP status code of the response.")] int Status,
    [property: Description("What went wrong with this request.")] string Detail,
    [property: Description("The stable error code, such as `validation_error` or `already_resolved`.")] string Code)
{
    /// <summary>For <c>validation_error</c>: the messages per field.</summary>
    [Description("For validation_error: the messages per field.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    /// <summary>For <c>already_resolved</c>: the request's own status.</summary>
    [Description("For already_resolved: the request's own status.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CurrentStatus { get; init; }

    /// <summary>For <c>precondition_failed</c>: the resource's current ETag.</summary>
    [Description("For precondition_failed: the resource's current ETag.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Etag { get; init; }
}
