using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Approvals.Server.Tests.Events;

/// <summary>One event frame of the stream.</summary>
public sealed record SseEvent(string? Id, JsonObject Data);

/// <summary>A connected <c>GET /v1/events</c> stream, read frame by frame with deadlines.</summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseClient(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    /// <summary>Comment lines seen so far (<c>connected</c>, <c>ping</c>).</summary>
    public List<string> Comments { get; } = [];

    /// <summary>
    /// Connects and waits for the stream's first comment, so the stream's starting point is fixed
    /// when this returns. Throws with the problem when the server refuses.
    /// </summary>
    public static async Task<SseClient> ConnectAsync(HttpClient http, Caller caller, string query = "", string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/events" + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller.Token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new SseRefusedException((int)response.StatusCode, body);
        }
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var client = new SseClient(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        await client.ReadUntilAsync(() => client.Comments.Count > 0, TimeSpan.FromSeconds(20), "the stream's first comment");
        return client;
    }

    /// <summary>Reads events until <paramref name="done"/> holds for what was read, within <paramref name="deadline"/>.</summary>
    public async Task<List<SseEvent>> ReadEventsUntilAsync(Func<IReadOnlyList<SseEvent>, bool> done, TimeSpan deadline, string what)
    {
        var events = new List<SseEvent>();
        await ReadUntilAsync(() => done(events), deadline, what, events);
        return events;
    }

    /// <summary>Reads frames until <paramref name="done"/> holds.</summary>
    public async Task ReadUntilAsync(Func<bool> done, TimeSpan deadline, string what, List<SseEvent>? events = null)
    {
        var elapsed = Stopwatch.StartNew();
        string? id = null;
        string? data = null;
        while (!done())
        {
            var left = deadline - elapsed.Elapsed;
            Assert.True(left > TimeSpan.Zero, $"did not get {what} within {deadline.TotalSeconds} s");
            using var timeout = new CancellationTokenSource(left);
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"did not get {what} within {deadline.TotalSeconds} s");
            }
            Assert.True(line is not null, $"the stream ended before {what}");
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    Assert.True(events is not null, $"an event arrived while waiting for {what}: {data}");
                    events.Add(new SseEvent(id, (JsonObject)JsonNode.Parse(data)!));
                }
                id = null;
                data = null;
            }
            else if (line.StartsWith(':'))
            {
                Comments.Add(line[1..].Trim());
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The server answered the stream request with an error.</summary>
public sealed class SseRefusedException(int status, string body) : Exception($"{status}: {body}")
{
    public int Status { get; } = status;

    public string Body { get; } = body;
}
