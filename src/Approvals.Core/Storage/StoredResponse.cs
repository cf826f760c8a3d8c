using System.Text.Json;
using Approvals.Contracts;

namespace Approvals.Core.Storage;

/// <summary>
/// A response as the API sends it and as idempotency stores it for replay: status, the headers
/// that matter for replay, and the body text. Endpoints build their success responses through this
/// type, and the grains build the reply they commit with an idempotent request's write through it
/// too, so a replay is byte for byte what the first caller got. (Sending it is the gateway's:
/// <c>StoredResponseHttp</c>.)
/// </summary>
public sealed record StoredResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The headers worth replaying.</summary>
    public static readonly string[] ReplayedHeaders = ["Content-Type", "Location", "ETag"];

    public static StoredResponse Json<T>(int status, T body, params (string Name, string Value)[] headers)
    {
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = "application/json; charset=utf-8" };
        foreach (var (name, value) in headers)
        {
            all[name] = value;
        }
        return new StoredResponse(status, all, JsonSerializer.Serialize(body, WireJson.Options));
    }

    /// <summary>A refusal as the gateway sends it: <c>application/problem+json</c> with the problem's own status.</summary>
    public static StoredResponse Problem(ApiProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = ProblemContentType };
        return new StoredResponse(problem.Status, headers, JsonSerializer.Serialize(problem, WireJson.Options));
    }

    /// <summary>The media type of a problem (RFC 9457).</summary>
    public const string ProblemContentType = "application/problem+json";

    /// <summary>The stored form (the status is stored beside it).</summary>
    public string Serialize() => JsonSerializer.Serialize(new Envelope(Headers, Body));

    public static StoredResponse Deserialize(int status, string stored)
    {
        var envelope = JsonSerializer.Deserialize<Envelope>(stored) ?? throw new InvalidDataException("Empty stored response.");
        return new StoredResponse(status, envelope.Headers, envelope.Body);
    }

    private sealed record Envelope(IReadOnlyDictionary<string, string> Headers, string Body);
}
