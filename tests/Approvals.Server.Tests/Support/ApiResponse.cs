using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Approvals.Server.Tests.Support;

/// <summary>A response read to the end: status, headers and body text (parsed as JSON on demand).</summary>
public sealed class ApiResponse
{
    private readonly HttpResponseHeaders _headers;
    private readonly HttpContentHeaders _contentHeaders;

    private ApiResponse(HttpStatusCode status, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, string text)
    {
        Status = status;
        _headers = headers;
        _contentHeaders = contentHeaders;
        Text = text;
    }

    public HttpStatusCode Status { get; }

    public string Text { get; }

    /// <summary>The body as a JSON object (fails the test when it is not one).</summary>
    public JsonObject Json => JsonNode.Parse(Text) as JsonObject
        ?? throw new Xunit.Sdk.XunitException($"Expected a JSON object, got: {Text}");

    public string? MediaType => _contentHeaders.ContentType?.MediaType;

    public string? Header(string name) =>
        _headers.TryGetValues(name, out var values) || _contentHeaders.TryGetValues(name, out values) ? string.Join(",", values) : null;

    public string? ETag => Header("ETag");

    public override string ToString() => $"{(int)Status} {Status}: {Text}";

    public static async Task<ApiResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return new ApiResponse(response.StatusCode, response.Headers, response.Content.Headers, text);
    }
}

/// <summary>Sends requests as a given person (or with a given raw token).</summary>
public sealed class ApiClient(HttpClient http)
{
    public Task<ApiResponse> GetAsync(string path, TestUser? user) => SendAsync(HttpMethod.Get, path, user?.Token);

    public Task<ApiResponse> PostAsync(string path, TestUser? user, object? body, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Post, path, user?.Token, body, headers);

    /// <summary>Sends a request built by the caller (any content type, any bytes).</summary>
    public async Task<ApiResponse> SendAsync(HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    /// <summary>
    /// Sends a request. <paramref name="body"/> is a <see cref="JsonNode"/> or raw text sent as
    /// <c>application/json</c> (raw text lets tests send malformed JSON).
    /// </summary>
    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, string? token, object? body = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var text = body switch
        {
            null => null,
            string raw => raw,
            JsonNode node => node.ToJsonString(),
            _ => throw new ArgumentException("The body must be a JsonNode or raw JSON text.", nameof(body)),
        };
        if (text is not null)
        {
            request.Content = new StringContent(text, Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }
}
