using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Approvals.Server.ApiKeys.Tests.Support;

/// <summary>A response read to the end.</summary>
public sealed class Reply(HttpStatusCode status, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, string text)
{
    public HttpStatusCode Status { get; } = status;

    public string Text { get; } = text;

    public JsonObject Json => JsonNode.Parse(Text) as JsonObject ?? throw new Xunit.Sdk.XunitException($"Expected a JSON object, got: {Text}");

    public string? MediaType => contentHeaders.ContentType?.MediaType;

    public string? Header(string name) =>
        headers.TryGetValues(name, out var values) || contentHeaders.TryGetValues(name, out values) ? string.Join(",", values) : null;

    /// <summary>The problem's <c>code</c>.</summary>
    public string? Code => Json["code"]?.GetValue<string>();

    public override string ToString() => $"{(int)Status} {Status}: {Text}";
}

/// <summary>Sends requests with a given credential.</summary>
public sealed class Api(HttpClient http)
{
    public Task<Reply> GetAsync(string path, Credential? by) => SendAsync(HttpMethod.Get, path, by, null);

    public Task<Reply> PostAsync(string path, Credential? by, JsonNode? body) => SendAsync(HttpMethod.Post, path, by, body);

    public Task<Reply> DeleteAsync(string path, Credential? by) => SendAsync(HttpMethod.Delete, path, by, null);

    public async Task<Reply> SendAsync(HttpMethod method, string path, Credential? by, JsonNode? body)
    {
        using var request = new HttpRequestMessage(method, path);
        by?.Apply(request);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request);
        return new Reply(response.StatusCode, response.Headers, response.Content.Headers, await response.Content.ReadAsStringAsync());
    }
}
