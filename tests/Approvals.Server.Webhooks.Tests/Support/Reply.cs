using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Approvals.Server.Webhooks.Tests.Support;

/// <summary>A response read to the end: status, headers, body text (as JSON on demand).</summary>
public sealed class Reply
{
    private readonly HttpResponseHeaders _headers;
    private readonly HttpContentHeaders _contentHeaders;

    private Reply(HttpStatusCode status, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, string text)
    {
        Status = status;
        _headers = headers;
        _contentHeaders = contentHeaders;
        Text = text;
    }

    public HttpStatusCode Status { get; }

    public string Text { get; }

    public JsonObject Json => JsonNode.Parse(Text) as JsonObject ?? throw new Xunit.Sdk.XunitException($"Expected a JSON object, got: {Text}");

    public string? MediaType => _contentHeaders.ContentType?.MediaType;

    public string? Header(string name) =>
        _headers.TryGetValues(name, out var values) || _contentHeaders.TryGetValues(name, out values) ? string.Join(",", values) : null;

    public override string ToString() => $"{(int)Status} {Status}: {Text}";

    public static async Task<Reply> ReadAsync(HttpResponseMessage response) =>
        new(response.StatusCode, response.Headers, response.Content.Headers, await response.Content.ReadAsStringAsync());
}

/// <summary>Sends requests as a given person.</summary>
public sealed class Api(HttpClient http)
{
    public Task<Reply> GetAsync(string path, Caller? caller) => SendAsync(HttpMethod.Get, path, caller, null);

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
        return await Reply.ReadAsync(response);
    }
}
