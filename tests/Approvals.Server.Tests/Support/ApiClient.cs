using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Approvals.Server.Tests.Support;

/// <summary>Sends requests as a given person (or with a given raw token).</summary>
public sealed class ApiClient(HttpClient http)
{
    public Task<Reply> GetAsync(string path, TestUser? user) => SendAsync(HttpMethod.Get, path, user?.Token);

    public Task<Reply> PostAsync(string path, TestUser? user, object? body, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Post, path, user?.Token, body, headers);

    /// <summary>Sends a request built by the caller (any content type, any bytes).</summary>
    public async Task<Reply> SendAsync(HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request);
        return await Reply.ReadAsync(response);
    }

    /// <summary>
    /// Sends a request. <paramref name="body"/> is a <see cref="JsonNode"/> or raw text sent as
    /// <c>application/json</c> (raw text lets tests send malformed JSON).
    /// </summary>
    public async Task<Reply> SendAsync(HttpMethod method, string path, string? token, object? body = null, params (string Name, string Value)[] headers)
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
        return await Reply.ReadAsync(response);
    }
}
