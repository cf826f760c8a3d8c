using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Approvals.Server.Events.Tests.Support;

/// <summary>A response read to the end: status, headers, body text (as JSON on demand).</summary>
public sealed class Reply(HttpStatusCode status, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, string text)
{
    public HttpStatusCode Status { get; } = status;

    public string Text { get; } = text;

    public JsonObject Json => JsonNode.Parse(Text) as JsonObject ?? throw new Xunit.Sdk.XunitException($"Expected a JSON object, got: {Text}");

    public string? MediaType => contentHeaders.ContentType?.MediaType;

    public string? Header(string name) =>
        headers.TryGetValues(name, out var values) || contentHeaders.TryGetValues(name, out values) ? string.Join(",", values) : null;

    public override string ToString() => $"{(int)Status} {Status}: {Text}";
}

/// <summary>Sends requests as a given person.</summary>
public sealed class Api(HttpClient http)
{
    public Task<Reply> GetAsync(string path, Caller? caller, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Get, path, caller, null, headers);

    public Task<Reply> PostAsync(string path, Caller? caller, JsonNode? body, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Post, path, caller, body, headers);

    public async Task<Reply> SendAsync(HttpMethod method, string path, Caller? caller, JsonNode? body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (caller is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller.Token);
        }
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request);
        return new Reply(response.StatusCode, response.Headers, response.Content.Headers, await response.Content.ReadAsStringAsync());
    }
}
