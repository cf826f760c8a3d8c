using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Approvals.EndToEnd.Tests.Hosting;
using Approvals.Testing.PostgreSql;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Approvals.EndToEnd.Tests.Approvals;

/// <summary>
/// SIGKILL in the middle of a write load, then a restart on the same data: nothing acknowledged is
/// lost, every acknowledged call replays its original response, and calls cut off by the kill get
/// a consistent answer when retried with their Idempotency-Key.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class HardKillTests(ITestOutputHelper output)
{
    private const int Workers = 8;
    private const int MaxCreatesPerWorker = 250;
    private const int KillAfterAcknowledged = 300;
    private static readonly TimeSpan LoadDeadline = TimeSpan.FromSeconds(45);
    // A reservation whose owner died is taken over after 30 s (IdempotencyMiddleware.TakeOverAfter); until
    // then a retry is told idempotency_key_in_use. The deadline leaves room for that and a restart.
    private static readonly TimeSpan RetryDeadline = TimeSpan.FromSeconds(75);

    private static readonly string[] TerminalTypes = ["approval.approved", "approval.rejected", "approval.expired", "approval.cancelled"];

    private static readonly string RequesterToken = TestTokens.For("requester-kill", "Requester", null, "requester");
    private static readonly string ApproverToken = TestTokens.For("reviewer-approve", "Approving Reviewer", null, "reviewer");
    private static readonly string RejecterToken = TestTokens.For("reviewer-reject", "Rejecting Reviewer", null, "reviewer");
    private static readonly string LateToken = TestTokens.For("reviewer-late", "Late Reviewer", null, "reviewer");

    [Fact]
    public async Task HardKill_OnSqlite_AcknowledgedWritesSurviveAndRetriesReplay()
    {
        using var data = new TempFolder("approvals-e2e-kill-");
        string[] settings = ["--Approvals:DataFolder=" + data.Path, TestTokens.SigningKeySetting];
        await RunAsync(settings, () => ReadSqliteEventsAsync(Path.Combine(data.Path, "approvals.db")));
    }

    [PostgresFact]
    public async Task HardKill_OnPostgres_AcknowledgedWritesSurviveAndRetriesReplay()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        using var data = new TempFolder("approvals-e2e-kill-pg-");
        string[] settings =
        [
            "--Approvals:DataFolder=" + data.Path,
            "--Approvals:Storage:Provider=postgres",
            "--Approvals:Storage:ConnectionString=" + database.ConnectionString,
            TestTokens.SigningKeySetting,
            // The restarted node comes back at the killed one's address, as a restarted node does: Orleans
            // then knows the old entry in the membership table is superseded and joins at once.
            "--Approvals:Cluster:SiloPort=" + ServerProcess.FreeLoopbackPort(),
            "--Approvals:Cluster:GatewayPort=" + ServerProcess.FreeLoopbackPort(),
        ];
        await RunAsync(settings, () => ReadPostgresEventsAsync(database));
    }

    private async Task RunAsync(string[] settings, Func<Task<List<(string Subject, string Type)>>> readEvents)
    {
        var log = new CallLog(KillAfterAcknowledged);
        using var http = Api.CreateClient(connectionsPerServer: Workers * 2);

        await using (var first = await ServerProcess.StartAsync("before-kill", settings, output))
        {
            using var loadDeadline = new CancellationTokenSource(LoadDeadline);
            var clock = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(() => WorkAsync(http, first, w, log, loadDeadline.Token))).ToList();
            var reached = await Task.WhenAny(log.KillPoint, Task.WhenAll(workers), Task.Delay(LoadDeadline));
            Assert.True(reached == log.KillPoint,
                $"The load did not reach {KillAfterAcknowledged} acknowledged calls (got {log.Acknowledged.Count}).{Environment.NewLine}{first.RecentOutput}");
            await first.KillAsync();
            var killedAt = clock.Elapsed;
            await Task.WhenAll(workers);
            output.WriteLine($"killed (SIGKILL) after {killedAt.TotalSeconds:F1} s with {log.Acknowledged.Count} calls acknowledged and {log.CutOff.Count} cut off");
        }

        await using var second = await ServerProcess.StartAsync("after-restart", settings, output);
        var acknowledged = log.Acknowledged.OrderBy(c => c.Call.Sequence).ToList();
        Assert.DoesNotContain(acknowledged, c => c.Response.StatusCode >= 500);

        // 1. Every acknowledged call, retried with its key and body, gets its original response.
        foreach (var (call, original) in acknowledged)
        {
            var replay = await http.PostAsync(second.Url(call.Path), call.Token, call.Body, call.Key);
            Assert.True(replay.WasReplayed && replay.Status == original.Status && replay.Body == original.Body,
                $"{call}: first {original}{Environment.NewLine}replay {replay} (Idempotent-Replayed: {replay.Replayed})");
            Assert.Equal(original.Location, replay.Location);
            Assert.Equal(original.ETag, replay.ETag);
        }

        // 2. Calls cut off by the kill: a retry gives a consistent answer (the committed response
        //    replayed, or a fresh run), never a 5xx; a second retry replays the first retry.
        // Retried together, so each one's time says whether the server held it on a reservation of the killed process.
        var retryClock = Stopwatch.StartNew();
        var retried = (await Task.WhenAll(log.CutOff.OrderBy(c => c.Sequence).Select(async call =>
        {
            var (answer, took) = await RetryUntilSettledAsync(http, second, call);
            var allowed = call.Kind switch
            {
                CallKind.Create => answer.Status == HttpStatusCode.Created,
                CallKind.Approve or CallKind.Reject => answer.Status == HttpStatusCode.OK
                    || answer.Status == HttpStatusCode.Conflict && answer.Code == "already_resolved",
                CallKind.LateReject => answer.Status == HttpStatusCode.Conflict && answer.Code == "already_resolved",
                _ => false,
            };
            Assert.True(allowed, $"{call} cut off by the kill, retried: {answer}");
            var again = await http.PostAsync(second.Url(call.Path), call.Token, call.Body, call.Key);
            Assert.True(again.WasReplayed && again.Status == answer.Status && again.Body == answer.Body, $"{call}: retry {answer}{Environment.NewLine}again {again}");
            return (Call: call, Response: answer, Took: took);
        }))).ToList();
        // A fresh run or a replay takes milliseconds; seconds mean the retry waited for the take-over of the killed process's reservation.
        var waitedForTakeOver = retried.Count(r => r.Took > TimeSpan.FromSeconds(2));

        output.WriteLine($"cut-off calls settled {retryClock.Elapsed.TotalSeconds:F1} s after the restart; " +
            $"{waitedForTakeOver} of them had a reservation left by the killed process and waited for its take-over");

        // 3. The data: every acknowledged (or retried) create exists once, with what was sent; every
        //    decision that was answered 200 is what the request shows.
        var all = acknowledged.Concat(retried.Select(r => (r.Call, r.Response))).ToList();
        var created = all.Where(c => c.Call.Kind == CallKind.Create).ToList();
        var stored = await ListAllAsync(http, second);
        foreach (var (call, response) in created)
        {
            var id = response.Text("id")!;
            var matches = stored.Where(a => (string?)a["title"] == call.Title).ToList();
            Assert.True(matches.Count == 1, $"{call}: {matches.Count} approvals titled '{call.Title}' (a duplicate create?)");
            Assert.Equal(id, (string?)matches[0]["id"]);

            var read = await http.GetAsync(second.Url($"/v1/approvals/{id}"), RequesterToken);
            Assert.True(read.Status == HttpStatusCode.OK, $"{call}: GET {id} → {read}");
            var sent = JsonNode.Parse(call.Body)!;
            var now = read.Json!;
            var then = response.Json!;
            foreach (var field in new[] { "id", "title", "summary", "requested_by", "created_at", "expires_at", "risk_level" })
            {
                Assert.Equal((string?)then[field], (string?)now[field]);
            }
            Assert.Equal((string?)sent["title"], (string?)now["title"]);
            Assert.Equal((int)sent["risk_score"]!, (int)now["risk_score"]!);
            Assert.True(JsonNode.DeepEquals(sent["context"], now["context"]), $"{id}: context {now["context"]} != sent {sent["context"]}");
            Assert.Equal(1, (int)now["policy"]!["required_approvals"]!);

            var decisions = all.Where(c => c.Call.ApprovalTitle == call.Title && c.Call.Kind is CallKind.Approve or CallKind.Reject
                && c.Response.Status == HttpStatusCode.OK).ToList();
            Assert.True(decisions.Count <= 1, $"{id}: {decisions.Count} decisions answered 200");
            var expected = decisions.Count == 0 ? "pending" : decisions[0].Call.Kind == CallKind.Approve ? "approved" : "rejected";
            Assert.True((string?)now["status"] == expected, $"{id}: status {(string?)now["status"]}, expected {expected}; {read.Body}");
            if (decisions.Count == 1)
            {
                Assert.Equal(decisions[0].Call.Kind == CallKind.Approve ? "reviewer-approve" : "reviewer-reject", (string?)now["decided_by"]);
                Assert.Single(now["decisions"]!.AsArray());
            }
        }
        Assert.Equal(stored.Count, created.Count);

        // 4. The event log agrees: one request event per approval, and one terminal event per decided one.
        var events = await readEvents();
        foreach (var approval in stored)
        {
            var id = (string)approval["id"]!;
            Assert.Equal(1, events.Count(e => e.Subject == id && e.Type == "approval.requested"));
            var terminal = events.Count(e => e.Subject == id && TerminalTypes.Contains(e.Type));
            Assert.True(terminal == ((string?)approval["status"] == "pending" ? 0 : 1), $"{id} ({(string?)approval["status"]}) has {terminal} terminal events");
        }

        output.WriteLine($"checked after restart: {acknowledged.Count} acknowledged calls replayed " +
            $"({acknowledged.Count(c => c.Call.Kind == CallKind.Create)} creates, {acknowledged.Count(c => c.Call.Kind != CallKind.Create)} decisions), " +
            $"{retried.Count} cut-off calls retried ({retried.Count(r => r.Response.WasReplayed)} had committed and replayed), " +
            $"{stored.Count} approvals and {events.Count} events verified");
        await second.StopAsync();
    }

    /// <summary>
    /// One worker: creates requests and decides most of them (approve, reject, or approve then a late
    /// reject that must be refused), until the server goes away or its share is done.
    /// </summary>
    private static async Task WorkAsync(HttpClient http, ServerProcess server, int worker, CallLog log, CancellationToken cancellationToken)
    {
        for (var n = 0; n < MaxCreatesPerWorker && !cancellationToken.IsCancellationRequested; n++)
        {
            var title = $"kill {worker}-{n}";
            var create = log.Next(CallKind.Create, "/v1/approvals", RequesterToken, $"create-{worker}-{n}", title, title, $$"""
                { "title": "{{title}}", "summary": "worker {{worker}} call {{n}}", "risk_score": {{(worker * 7 + n) % 40}},
                  "context": { "worker": {{worker}}, "n": {{n}}, "tags": ["e2e", "kill"] }, "policy": { "required_approvals": 1 } }
                """);
            if (await SendAsync(http, server, create, log, cancellationToken) is not { Status: HttpStatusCode.Created } created)
            {
                return;
            }
            var path = $"/v1/approvals/{created.Text("id")}";
            var decisions = (n % 4) switch
            {
                0 => [log.Next(CallKind.Approve, path + "/approve", ApproverToken, $"approve-{worker}-{n}", title, null, """{ "note": "fine" }""")],
                1 => [log.Next(CallKind.Reject, path + "/reject", RejecterToken, $"reject-{worker}-{n}", title, null, """{ "reason": "no" }""")],
                2 => new[]
                {
                    log.Next(CallKind.Approve, path + "/approve", ApproverToken, $"approve-{worker}-{n}", title, null, """{ "note": "fine" }"""),
                    log.Next(CallKind.LateReject, path + "/reject", LateToken, $"late-{worker}-{n}", title, null, """{ "reason": "too late" }"""),
                },
                _ => Array.Empty<Call>(),
            };
            foreach (var decision in decisions)
            {
                if (await SendAsync(http, server, decision, log, cancellationToken) is null)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Sends a call; records it acknowledged (any response) or cut off (no response), then null.</summary>
    private static async Task<ApiResponse?> SendAsync(HttpClient http, ServerProcess server, Call call, CallLog log, CancellationToken cancellationToken)
    {
        try
        {
            var response = await http.PostAsync(server.Url(call.Path), call.Token, call.Body, call.Key, cancellationToken);
            log.Acknowledge(call, response);
            return response;
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            log.CutOff.Enqueue(call);
            return null;
        }
    }

    /// <summary>Retries a call until it is no longer held by a reservation of the killed process; also says how long that took.</summary>
    private static async Task<(ApiResponse Answer, TimeSpan Took)> RetryUntilSettledAsync(HttpClient http, ServerProcess server, Call call)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            var answer = await http.PostAsync(server.Url(call.Path), call.Token, call.Body, call.Key);
            Assert.True(answer.StatusCode < 500, $"{call} retried after the kill: {answer}{Environment.NewLine}{server.RecentOutput}");
            // The killed process's reservation of the key: it is taken over once it is old enough.
            if (answer is not { Status: HttpStatusCode.Conflict, Code: "idempotency_key_in_use" })
            {
                return (answer, started.Elapsed);
            }
            Assert.True(started.Elapsed < RetryDeadline, $"{call} still in use after {RetryDeadline}: {answer}");
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private static async Task<List<JsonNode>> ListAllAsync(HttpClient http, ServerProcess server)
    {
        var all = new List<JsonNode>();
        string? cursor = null;
        for (var page = 0; page < 100; page++)
        {
            var list = await http.GetAsync(server.Url("/v1/approvals?limit=100" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))), RequesterToken);
            Assert.True(list.Status == HttpStatusCode.OK, list.ToString());
            all.AddRange(list.Json!["data"]!.AsArray().Select(a => a!));
            cursor = (string?)list.Json!["next_cursor"];
            if (cursor is null)
            {
                return all;
            }
        }
        throw new InvalidOperationException("More than 100 pages of approvals: the list does not end.");
    }

    private static async Task<List<(string Subject, string Type)>> ReadSqliteEventsAsync(string databaseFile)
    {
        var events = new List<(string, string)>();
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databaseFile, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT subject_id, type FROM events";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add((reader.GetString(0), reader.GetString(1)));
        }
        return events;
    }

    private static async Task<List<(string Subject, string Type)>> ReadPostgresEventsAsync(PostgresDatabase database)
    {
        var events = new List<(string, string)>();
        await using var command = database.DataSource.CreateCommand("SELECT subject_id, type FROM events");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add((reader.GetString(0), reader.GetString(1)));
        }
        return events;
    }

    private enum CallKind
    {
        Create,
        Approve,
        Reject,
        LateReject,
    }

    /// <param name="Title">The title of the request the call creates (creates only).</param>
    /// <param name="ApprovalTitle">The title of the request the call is about.</param>
    private sealed record Call(long Sequence, CallKind Kind, string Path, string Token, string Key, string ApprovalTitle, string? Title, string Body)
    {
        public override string ToString() => $"{Kind} {Path} (Idempotency-Key {Key})";
    }

    /// <summary>What the load sent and what came back; signals when enough calls were acknowledged.</summary>
    private sealed class CallLog(int killAfter)
    {
        private readonly TaskCompletionSource _killPoint = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _sequence;

        public ConcurrentQueue<(Call Call, ApiResponse Response)> Acknowledged { get; } = new();

        public ConcurrentQueue<Call> CutOff { get; } = new();

        public Task KillPoint => _killPoint.Task;

        public Call Next(CallKind kind, string path, string token, string key, string approvalTitle, string? title, string body) =>
            new(Interlocked.Increment(ref _sequence), kind, path, token, key, approvalTitle, title, body);

        public void Acknowledge(Call call, ApiResponse response)
        {
            Acknowledged.Enqueue((call, response));
            if (Acknowledged.Count >= killAfter)
            {
                _killPoint.TrySetResult();
            }
        }
    }
}
