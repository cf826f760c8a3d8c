using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Approvals.Server.ApiKeys.Tests.Support;

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
