using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Approvals.EndToEnd.Tests.Hosting;

/// <summary>An HTTP response as received: status, body text and the headers the tests look at.</summary>
public sealed record ApiResponse(HttpStatusCode Status, string Body, string? ContentType, string? Location, string? ETag, string? Replayed)
{
    public int StatusCode => (int)Status;

    /// <summary>The body as JSON (null when it is empty).</summary>
    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    /// <summary>A problem's <c>code</c>, or null.</summary>
    public string? Code => Text("code");

    /// <summary>A string member of a JSON object body, or null.</summary>
    public string? Text(string member) =>
        Body.StartsWith('{') && Json is JsonObject body && body[member] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public bool WasReplayed => string.Equals(Replayed, "true", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{StatusCode} {Body}";
}

/// <summary>Calls the API the way a client does: bearer token, JSON body, optional Idempotency-Key.</summary>
public static class Api
{
    /// <summary>A client that keeps up to <paramref name="connectionsPerServer"/> connections to each node.</summary>
    public static HttpClient CreateClient(int connectionsPerServer = 64) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connectionsPerServer,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };

    public static Task<ApiResponse> GetAsync(this HttpClient http, Uri uri, string token, CancellationToken cancellationToken = default) =>
        http.SendAsync(HttpMethod.Get, uri, token, null, null, cancellationToken);

    public static Task<ApiResponse> PostAsync(this HttpClient http, Uri uri, string token, string? json, string? idempotencyKey = null,
        CancellationToken cancellationToken = default) =>
        http.SendAsync(HttpMethod.Post, uri, token, json, idempotencyKey, cancellationToken);

    public static async Task<ApiResponse> SendAsync(this HttpClient http, HttpMethod method, Uri uri, string token, string? json,
        string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return new ApiResponse(
            response.StatusCode,
            body,
            response.Content.Headers.ContentType?.ToString(),
            response.Headers.Location?.ToString(),
            response.Headers.ETag?.ToString(),
            response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) ? string.Join(",", replayed) : null);
    }
}
