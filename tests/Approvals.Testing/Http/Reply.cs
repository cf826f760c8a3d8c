using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Approvals.Testing.Http;

/// <summary>A response read to the end: status, headers and body text (parsed as JSON on demand).</summary>
public sealed class Reply(HttpStatusCode status, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, string text)
{
    public HttpStatusCode Status { get; } = status;

    public string Text { get; } = text;

    /// <summary>The body as a JSON object (fails the test when it is not one), however deep the server wrote it.</summary>
    public JsonObject Json => JsonNode.Parse(Text, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 256 }) as JsonObject
        ?? throw new Xunit.Sdk.XunitException($"Expected a JSON object, got: {Text}");

    public string? MediaType => contentHeaders.ContentType?.MediaType;

    public string? Header(string name) =>
        headers.TryGetValues(name, out var values) || contentHeaders.TryGetValues(name, out values) ? string.Join(",", values) : null;

    public string? ETag => Header("ETag");

    /// <summary>The problem's <c>code</c>.</summary>
    public string? Code => Json["code"]?.GetValue<string>();

    public override string ToString() => $"{(int)Status} {Status}: {Text}";

    public static async Task<Reply> ReadAsync(HttpResponseMessage response) =>
        new(response.StatusCode, response.Headers, response.Content.Headers, await response.Content.ReadAsStringAsync());
}
