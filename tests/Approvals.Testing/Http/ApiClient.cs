using System.Text;
using System.Text.Json.Nodes;

namespace Approvals.Testing.Http;

/// <summary>Sends requests to the API with a given credential (or none) and reads each reply to the end.</summary>
public sealed class ApiClient(HttpClient http)
{
    public Task<Reply> GetAsync(string path, Credential? by, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Get, path, by, null, headers);

    public Task<Reply> PostAsync(string path, Credential? by, object? body, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Post, path, by, body, headers);

    public Task<Reply> DeleteAsync(string path, Credential? by) => SendAsync(HttpMethod.Delete, path, by);

    /// <summary>
    /// Sends a request. <paramref name="body"/> is a <see cref="JsonNode"/> or raw text sent as
    /// <c>application/json</c> (raw text lets tests send malformed JSON).
    /// </summary>
    public async Task<Reply> SendAsync(HttpMethod method, string path, Credential? by, object? body = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        by?.Apply(request);
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
        return await SendAsync(request);
    }

    /// <summary>Sends a request built by the caller (any content type, any bytes).</summary>
    public async Task<Reply> SendAsync(HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request);
        return await Reply.ReadAsync(response);
    }
}
