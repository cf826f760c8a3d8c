using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Approvals.Contracts;

namespace Approvals.Client;

/// <summary>
/// <see cref="IApprovalsClient"/> over the REST API of API.md. The <see cref="HttpClient"/> it is given decides
/// where and as whom it calls (its <c>BaseAddress</c> and <c>Authorization</c>) and whether failed attempts are
/// retried: <c>services.AddApprovalsClient(…)</c> builds one that retries transient failures. Every POST carries an
/// <c>Idempotency-Key</c> drawn once per call, so a retried create files once and a retried decision is not
/// refused as already made.
/// </summary>
public sealed class ApprovalsClient : IApprovalsClient
{
    /// <summary>The header that makes a POST safe to repeat.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>The longest the server holds one long-poll (<c>status?wait=</c>, at most 60 s); longer waits are several polls.</summary>
    public static readonly TimeSpan MaxWaitSlice = TimeSpan.FromSeconds(20);

    private const string ProblemMediaType = "application/problem+json";

    // Absent members stay absent: the server applies its defaults to what a caller left out.
    private static readonly JsonSerializerOptions RequestJson = new(WireJson.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly HttpClient _http;
    private readonly TimeProvider _clock;

    /// <summary>A client calling through <paramref name="http"/>, whose <c>BaseAddress</c> and credentials the caller sets.</summary>
    public ApprovalsClient(HttpClient http) : this(http, null)
    {
    }

    /// <summary>As <see cref="ApprovalsClient(HttpClient)"/>, with the clock that times waits and reconnects.</summary>
    public ApprovalsClient(HttpClient http, TimeProvider? clock)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>How long the event stream waits before it reconnects after its connection ended (unless the server's <c>retry:</c> says otherwise).</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    // ---- Approval requests ----

    public Task<ApprovalDto> CreateAsync(CreateApprovalRequest request, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PostAsync<ApprovalDto>("v1/approvals", request, ClientPlumbing.Unversioned(options, nameof(CreateAsync)), cancellationToken);
    }

    public Task<ApprovalDto> GetAsync(string id, CancellationToken cancellationToken = default) =>
        GetJsonAsync<ApprovalDto>($"v1/approvals/{Segment(id)}", cancellationToken);

    public Task<ApprovalStatusDto> GetStatusAsync(string id, CancellationToken cancellationToken = default) =>
        GetJsonAsync<ApprovalStatusDto>($"v1/approvals/{Segment(id)}/status", cancellationToken);

    public Task<ApprovalListDto> ListPageAsync(ApprovalListQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        query ??= new ApprovalListQuery();
        return GetJsonAsync<ApprovalListDto>(WithQuery("v1/approvals", query.Parameters(cursor)), cancellationToken);
    }

    public IAsyncEnumerable<ApprovalDto> ListAsync(ApprovalListQuery? query = null, CancellationToken cancellationToken = default) =>
        ClientPlumbing.FollowCursorAsync((cursor, ct) => ListPageAsync(query, cursor, ct), cancellationToken);

    public async Task<long> CountAsync(ApprovalStatus status, CancellationToken cancellationToken = default) =>
        ClientPlumbing.Count(await GetJsonAsync<Dictionary<string, long>>(WithQuery("v1/approvals/count", ("status", WireNames.Of(status))), cancellationToken));

    public async Task<IReadOnlyDictionary<ApprovalStatus, long>> CountByStatusAsync(CancellationToken cancellationToken = default) =>
        ClientPlumbing.CountsByStatus(await GetJsonAsync<Dictionary<string, long>>("v1/approvals/count", cancellationToken));

    public Task<ApprovalDto> ApproveAsync(string id, string? note = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PostAsync<ApprovalDto>($"v1/approvals/{Segment(id)}/approve", new ApproveBody(note), options, cancellationToken);

    public Task<ApprovalDto> RejectAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PostAsync<ApprovalDto>($"v1/approvals/{Segment(id)}/reject", new ReasonBody(reason), options, cancellationToken);

    public Task<ApprovalDto> CancelAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PostAsync<ApprovalDto>($"v1/approvals/{Segment(id)}/cancel", new ReasonBody(reason), options, cancellationToken);

    public Task<ApprovalDto> ExtendAsync(string id, DateTimeOffset expiresAt, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PostAsync<ApprovalDto>($"v1/approvals/{Segment(id)}/extend", new ExtendBody(expiresAt), options, cancellationToken);

    public async Task<ApprovalStatusDto> WaitForDecisionAsync(string id, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        var deadline = _clock.GetUtcNow() + timeout;
        while (true)
        {
            var remaining = deadline - _clock.GetUtcNow();
            // Whole seconds (what the API takes), at least one while any time is left, never past the slice.
            var wait = remaining <= TimeSpan.Zero ? 0 : (int)Math.Clamp(Math.Floor(remaining.TotalSeconds), 1, MaxWaitSlice.TotalSeconds);
            var status = await GetJsonAsync<ApprovalStatusDto>(
                WithQuery($"v1/approvals/{Segment(id)}/status", ("wait", Number(wait))), cancellationToken);
            // A poll also returns early on a change that decides nothing (a quorum vote, an extension): poll on.
            if (status.Status != WireNames.Of(ApprovalStatus.Pending) || wait == 0 || deadline <= _clock.GetUtcNow())
            {
                return status;
            }
        }
    }

    public Task<BulkResponseDto> BulkApproveAsync(IReadOnlyList<string> ids, string? note = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PostAsync<BulkResponseDto>("v1/approvals/bulk-approve", new BulkBody(ids, note), ClientPlumbing.Unversioned(options, nameof(BulkApproveAsync)), cancellationToken);

    public Task<BulkResponseDto> BulkRejectAsync(IReadOnlyList<string> ids, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PostAsync<BulkResponseDto>("v1/approvals/bulk-reject", new BulkBody(ids, Reason: reason), ClientPlumbing.Unversioned(options, nameof(BulkRejectAsync)), cancellationToken);

    // ---- Events ----

    public async IAsyncEnumerable<EventDto> StreamEventsAsync(IReadOnlyList<string>? types = null, string? lastEventId = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var path = types is { Count: > 0 } ? WithQuery("v1/events", ("types", string.Join(',', types))) : "v1/events";
        var last = lastEventId;
        while (true)
        {
            var reconnectDelay = ReconnectDelay;
            using (var response = await OpenEventStreamAsync(path, last, cancellationToken))
            {
                if (response is not null)
                {
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    var parser = SseParser.Create(body);
                    await using var items = parser.EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
                    while (await NextOrDroppedAsync(items, cancellationToken))
                    {
                        var item = items.Current;
                        // Comments (pings) never reach here; an empty data field carries nothing to read.
                        if (item.Data.Length == 0)
                        {
                            continue;
                        }
                        var e = JsonSerializer.Deserialize<EventDto>(item.Data, WireJson.Options)
                            ?? throw new JsonException("An event's data was null.");
                        last = item.EventId ?? e.Id;
                        yield return e;
                    }
                    reconnectDelay = parser.ReconnectionInterval is { } asked && asked > TimeSpan.Zero ? asked : ReconnectDelay;
                }
            }
            // The stream ended or broke: resume right after the last event received (the server replays from there).
            await Task.Delay(reconnectDelay, _clock, cancellationToken);
        }
    }

    /// <summary>The stream's response, or null when the server could not be reached (the caller tries again).</summary>
    private async Task<HttpResponseMessage?> OpenEventStreamAsync(string path, string? lastEventId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException) when (!cancellationToken.IsCancellationRequested)
        {
            // Down or unreachable (after whatever retries the client's pipeline made): a live tail keeps trying.
            return null;
        }
        try
        {
            // A refusal (401, 403, an unknown Last-Event-ID) will not go away by reconnecting: it ends the stream.
            await EnsureSuccessAsync(response, cancellationToken);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>The next item; false at the end of the stream or when its connection broke.</summary>
    private static async Task<bool> NextOrDroppedAsync(IAsyncEnumerator<SseItem<string>> items, CancellationToken cancellationToken)
    {
        try
        {
            return await items.MoveNextAsync();
        }
        catch (Exception error) when (error is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    // ---- Workflows ----

    public Task<WorkflowDto> CreateWorkflowAsync(CreateWorkflowRequest request, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PostAsync<WorkflowDto>("v1/workflows", request, ClientPlumbing.Unversioned(options, nameof(CreateWorkflowAsync)), cancellationToken);
    }

    public Task<WorkflowDto> GetWorkflowAsync(string id, CancellationToken cancellationToken = default) =>
        GetJsonAsync<WorkflowDto>($"v1/workflows/{Segment(id)}", cancellationToken);

    public Task<WorkflowListDto> ListWorkflowsPageAsync(WorkflowListQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        query ??= new WorkflowListQuery();
        return GetJsonAsync<WorkflowListDto>(WithQuery("v1/workflows", query.Parameters(cursor)), cancellationToken);
    }

    public IAsyncEnumerable<WorkflowDto> ListWorkflowsAsync(WorkflowListQuery? query = null, CancellationToken cancellationToken = default) =>
        ClientPlumbing.FollowCursorAsync((cursor, ct) => ListWorkflowsPageAsync(query, cursor, ct), cancellationToken);

    public Task<ApprovalDto> ApproveWorkflowAsync(string id, string? note = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PostAsync<ApprovalDto>($"v1/workflows/{Segment(id)}/approval", new WorkflowApprovalBody("approve", note), ClientPlumbing.Unversioned(options, nameof(ApproveWorkflowAsync)), cancellationToken);

    public Task<ApprovalDto> RejectWorkflowAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PostAsync<ApprovalDto>($"v1/workflows/{Segment(id)}/approval", new WorkflowApprovalBody("reject", reason), ClientPlumbing.Unversioned(options, nameof(RejectWorkflowAsync)), cancellationToken);

    public Task<WorkflowDto> CompleteTaskAsync(string id, string step, JsonElement? output = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PostAsync<WorkflowDto>($"v1/workflows/{Segment(id)}/steps/{Segment(step)}/complete", new CompleteTaskBody(output), options, cancellationToken);

    public Task<WorkflowDto> FailTaskAsync(string id, string step, string? error = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PostAsync<WorkflowDto>($"v1/workflows/{Segment(id)}/steps/{Segment(step)}/fail", new FailTaskBody(error), options, cancellationToken);

    public Task<WorkflowDto> CancelWorkflowAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PostAsync<WorkflowDto>($"v1/workflows/{Segment(id)}/cancel", new CancelWorkflowBody(reason), options, cancellationToken);

    // ---- Audit ----

    public IAsyncEnumerable<AuditEntryDto> ListAuditAsync(AuditListQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new AuditListQuery();
        return ClientPlumbing.FollowCursorAsync<AuditEntryDto>(async (cursor, ct) =>
        {
            var page = await GetJsonAsync<AuditListDto>(WithQuery("v1/audit",
                ("subject_id", query.SubjectId), ("actor", query.Actor), ("type", query.Type),
                ("from", Time(query.From)), ("to", Time(query.To)), ("limit", Number(query.PageSize)), ("cursor", cursor)), ct);
            return (page.Data, page.NextCursor);
        }, cancellationToken);
    }

    public Task<VerifyDto> VerifyAuditAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync<VerifyDto>("v1/audit/verify", cancellationToken);

    // ---- HTTP ----

    private async Task<T> GetJsonAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync<T>(request, cancellationToken);
    }

    private async Task<T> PostAsync<T>(string path, object body, WriteOptions? options, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            // Bytes, not a stream: a retry sends the same content again.
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), RequestJson))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } },
            },
        };
        // Drawn once for this call: every retry of it (by the client's resilience pipeline) repeats the same key.
        request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, options?.IdempotencyKey ?? Guid.NewGuid().ToString("N"));
        if (options?.IfMatch is { } version)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version.ToString(CultureInfo.InvariantCulture)}\""));
        }
        return await SendAsync<T>(request, cancellationToken);
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(WireJson.Options, cancellationToken)
            ?? throw new JsonException($"{request.Method} {request.RequestUri} answered with an empty body.");
    }

    /// <summary>Turns an error response into an <see cref="ApprovalsApiException"/>; does nothing on success.</summary>
    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        ApiProblem? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is ProblemMediaType or "application/json")
        {
            try
            {
                problem = JsonSerializer.Deserialize<ApiProblem>(text, WireJson.Options);
            }
            catch (JsonException)
            {
                // Not a problem after all (a proxy's JSON, say): described by its status below.
            }
        }
        var status = response.StatusCode;
        if (problem is { Code.Length: > 0 })
        {
            throw new ApprovalsApiException(status, problem.Code, problem.Detail, problem);
        }
        var detail = text.Trim() is { Length: > 0 } body ? Shorten(body) : response.ReasonPhrase ?? $"HTTP {(int)status}";
        throw new ApprovalsApiException(status, $"http_{((int)status).ToString(CultureInfo.InvariantCulture)}", detail, null);
    }

    private static string Shorten(string text) => text.Length <= 500 ? text : text[..500] + "…";

    private static string Segment(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        return Uri.EscapeDataString(value);
    }

    private static string? Time(DateTimeOffset? value) => value is { } time ? WireJson.Format(time) : null;

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string WithQuery(string path, params (string Name, string? Value)[] parameters)
    {
        var query = new StringBuilder(path);
        var separator = '?';
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }
            query.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }
        return query.ToString();
    }
}
