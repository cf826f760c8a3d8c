using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Contracts;

namespace Approvals.Bench.Rest;

/// <summary>
/// The calls of the REST contract (<c>../shared/API.md</c>) the scenarios make, on one
/// <see cref="HttpClient"/> with enough pooled connections for every concurrent client.
/// Any answer other than the documented success is a <see cref="BenchException"/>: a figure
/// measured over failed requests would mean nothing.
/// </summary>
public sealed class ApprovalsClient : IDisposable
{
    private static readonly byte[] ApproveBody = Encoding.UTF8.GetBytes("""{"note":"bench"}""");
    private readonly HttpClient _http;

    public ApprovalsClient(Uri baseAddress, int connections)
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            // Connections live as long as the run: reconnecting mid-run would show up as latency.
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>The body of <c>POST /v1/approvals</c>: a low-risk request (any reviewer may decide it).</summary>
    /// <param name="expiresIn">An ISO 8601 duration, or null to give <paramref name="expiresAt"/>.</param>
    public static byte[] CreateBody(string title, string? expiresIn, DateTimeOffset? expiresAt = null)
    {
        var body = new JsonObject { ["title"] = title, ["risk_score"] = 10 };
        if (expiresIn is not null)
        {
            body["expires_in"] = expiresIn;
        }
        if (expiresAt is { } at)
        {
            body["expires_at"] = WireJson.Format(at);
        }
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    /// <summary><c>POST /v1/approvals</c>; the new request's id.</summary>
    public async Task<string> CreateAsync(string token, byte[] body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, "v1/approvals", token, body, HttpStatusCode.Created, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var json = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        return json.RootElement.GetProperty("id").GetString() ?? throw new BenchException("POST /v1/approvals answered without an id.");
    }

    /// <summary><c>POST /v1/approvals/{id}/approve</c>.</summary>
    public async Task ApproveAsync(string token, string id, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"v1/approvals/{Uri.EscapeDataString(id)}/approve", token, ApproveBody, HttpStatusCode.OK, cancellationToken);
        // Read to the end so the connection goes back to the pool at once.
        await response.Content.LoadIntoBufferAsync(cancellationToken);
    }

    /// <summary><c>GET /v1/approvals/count?status=…</c>.</summary>
    public async Task<long> CountAsync(string token, string status, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, $"v1/approvals/count?status={status}", token, null, HttpStatusCode.OK, cancellationToken);
        var counts = await response.Content.ReadFromJsonAsync<Dictionary<string, long>>(WireJson.Options, cancellationToken);
        return counts is not null && counts.TryGetValue("count", out var count) ? count : throw new BenchException("The count answer has no count.");
    }

    /// <summary>Every approval with <paramref name="status"/>, page by page (<c>GET /v1/approvals?status=…&amp;limit=100&amp;cursor=…</c>).</summary>
    public async IAsyncEnumerable<ApprovalDto> ListAsync(string token, string status,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var path = $"v1/approvals?status={status}&limit=100" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            using var response = await SendAsync(HttpMethod.Get, path, token, null, HttpStatusCode.OK, cancellationToken);
            var page = await response.Content.ReadFromJsonAsync<ApprovalPage>(WireJson.Options, cancellationToken)
                ?? throw new BenchException($"GET {path} answered an empty body.");
            foreach (var approval in page.Data)
            {
                yield return approval;
            }
            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, byte[]? body, HttpStatusCode expected,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != expected)
        {
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new BenchException(string.Create(CultureInfo.InvariantCulture,
                    $"{method} /{path} answered {(int)response.StatusCode} (expected {(int)expected}): {text[..Math.Min(text.Length, 500)]}"));
            }
        }
        return response;
    }

    public void Dispose() => _http.Dispose();

    private sealed record ApprovalPage(IReadOnlyList<ApprovalDto> Data, string? NextCursor);
}
