using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Approvals.EndToEnd.Tests.Hosting;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Xunit.Abstractions;

namespace Approvals.EndToEnd.Tests.Approvals;

/// <summary>
/// Two server processes (two silos) on one PostgreSQL schema under create and decision load, one of
/// them SIGKILLed: nothing acknowledged is lost, acknowledged calls replay by their Idempotency-Key,
/// and the survivor serves every request (those whose grains lived on the dead node too) within
/// 15 s of the kill.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class TwoNodeKillTests(ITestOutputHelper output)
{
    private const int WorkersPerNode = 6;
    private const int MaxCreatesPerWorker = 200;
    private const int KillAfterAcknowledged = 400;
    private static readonly TimeSpan LoadDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan JoinDeadline = TimeSpan.FromSeconds(60);

    /// <summary>The issue's bound: from the kill until the survivor has answered a read and a decision for every request.</summary>
    private static readonly TimeSpan SurvivorBound = TimeSpan.FromSeconds(15);

    /// <summary>How long the survivor is polled: past the bound, so a miss is measured rather than cut off.</summary>
    private static readonly TimeSpan ProbeDeadline = TimeSpan.FromSeconds(60);

    /// <summary>One poll attempt waits this long for its answer, then the next one goes.</summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(3);

    private static readonly string[] TerminalTypes = ["approval.approved", "approval.rejected", "approval.expired", "approval.cancelled"];

    private static readonly string RequesterToken = TestTokens.For("requester-2n", "Requester", null, "requester");
    private static readonly string ApproverToken = TestTokens.For("reviewer-approve", "Approving Reviewer", null, "reviewer");
    private static readonly string RejecterToken = TestTokens.For("reviewer-reject", "Rejecting Reviewer", null, "reviewer");
    private static readonly string LateToken = TestTokens.For("reviewer-late", "Late Reviewer", null, "reviewer");
    private static readonly string ProberToken = TestTokens.For("reviewer-probe", "Probing Reviewer", null, "reviewer");

    private static readonly Dictionary<string, string> Deciders = new(StringComparer.Ordinal)
    {
        [ApproverToken] = "reviewer-approve",
        [RejecterToken] = "reviewer-reject",
        [LateToken] = "reviewer-late",
        [ProberToken] = "reviewer-probe",
    };

    [PostgresFact]
    public async Task OneOfTwoNodesKilledUnderLoad_LosesNothingAcknowledged_AndTheSurvivorServesEveryRequestWithin15Seconds()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        string[] settings =
        [
            "--Approvals:Storage:Provider=postgres",
            "--Approvals:Storage:ConnectionString=" + database.ConnectionString,
            TestTokens.SigningKeySetting,
        ];
        // Each process gets free silo and gateway ports of its own (ServerProcess).
        var started = await ServerProcess.StartManyAsync(["node-a", "node-b"], settings, output);
        await using var victim = started[0];
        await using var survivor = started[1];
        await Eventually.TrueAsync(async () => await CountMembersAsync(database, ActiveStatus) == 2, JoinDeadline, "both nodes active in the membership table");
        using var http = Api.CreateClient(connectionsPerServer: 64);

        // 1. Load on both nodes; SIGKILL node-a once enough calls were answered.
        var log = new CallLog(KillAfterAcknowledged);
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopLoad = new CancellationTokenSource(LoadDeadline);
        var routing = new Routing(victim, survivor, killed.Task);
        var workers = (from home in new[] { victim, survivor }
                       from w in Enumerable.Range(0, WorkersPerNode)
                       select Task.Run(() => WorkAsync(http, routing, home, w, log, stopLoad.Token))).ToList();
        var reached = await Task.WhenAny(log.KillPoint, Task.WhenAll(workers), Task.Delay(LoadDeadline));
        Assert.True(reached == log.KillPoint,
            $"The load did not reach {KillAfterAcknowledged} answered calls (got {log.Answered.Count}).{Environment.NewLine}{victim.RecentOutput}");

        var answeredBeforeKill = log.Answered.Count;
        var sinceKill = Stopwatch.StartNew();
        await victim.KillAsync();
        killed.SetResult();
        var exited = sinceKill.Elapsed;
        var evicted = Task.Run(async () =>
        {
            await Eventually.TrueAsync(async () => await CountMembersAsync(database, DeadStatus) >= 1, ProbeDeadline, "the killed node marked dead in the membership table");
            return sinceKill.Elapsed;
        });

        // 2. The survivor answers a read and a decision for every request acknowledged before the kill.
        var ids = log.Answered.Where(a => a.Call.Kind == CallKind.Create && a.Response.Status == HttpStatusCode.Created)
            .Select(a => (Id: a.Response.Text("id")!, a.Call.Node)).ToList();
        var probes = await ProbeAsync(http, survivor, ids.Select(i => i.Id).ToList(), sinceKill, log);
        var allServed = probes.Values.Max(p => p.Served);
        var allRead = probes.Values.Max(p => p.Read);
        var evictedAfter = await evicted;
        await stopLoad.CancelAsync();
        await Task.WhenAll(workers);

        var onVictim = ids.Count(i => i.Node == victim.Name);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"node-a SIGKILLed (gone {exited.TotalMilliseconds:F0} ms later) after {answeredBeforeKill} answered calls; " +
            $"marked dead in the membership table {evictedAfter.TotalSeconds:F1} s after the kill"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"node-b answered a read for all {ids.Count} requests ({onVictim} created through node-a) {allRead.TotalSeconds:F1} s after the kill, " +
            $"and a read and a decision for all {allServed.TotalSeconds:F1} s after the kill; " +
            $"{probes.Values.Sum(p => p.FailedAttempts)} poll attempts failed on the way ({string.Join(", ", probes.Values.SelectMany(p => p.Failures).GroupBy(f => f).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} ×{g.Count()}"))})"));
        output.WriteLine($"load: {log.Answered.Count} calls answered ({log.Answered.Count(a => a.Response.StatusCode >= 500)} with 5xx), {log.CutOff.Count} cut off; " +
            "5xx by status and code: " + string.Join(", ", log.Answered.Where(a => a.Response.StatusCode >= 500)
                .GroupBy(a => $"{a.Response.StatusCode} {a.Response.Code}").Select(g => $"{g.Key} ×{g.Count()}")));
        // A call the fail-over caught is refused as unavailable for now (503, safe to retry), never as the server's own failure (500).
        Assert.DoesNotContain(log.Answered, a => a.Response.StatusCode >= 500 && a.Response.StatusCode != 503);
        var slowest = probes.OrderByDescending(p => p.Value.Served).First();
        Assert.True(allServed < SurvivorBound,
            $"The survivor answered every request only {allServed.TotalSeconds:F1} s after the kill (bound {SurvivorBound.TotalSeconds:F0} s); " +
            $"the last was {slowest.Key}: {string.Join("; ", slowest.Value.Failures.Take(10))}{Environment.NewLine}{survivor.RecentOutput}");

        // 3. Nothing acknowledged is lost: every acknowledged create, decision and refusal is what node-b shows.
        var acknowledged = log.Answered.Where(a => a.Response.StatusCode < 500).OrderBy(a => a.Call.Sequence).ToList();
        var unacknowledged = log.CutOff.Concat(log.Answered.Where(a => a.Response.StatusCode >= 500).Select(a => a.Call)).ToList();
        var stored = await ListAllAsync(http, survivor);
        var titles = stored.GroupBy(a => (string)a["title"]!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (call, response) in acknowledged.Where(a => a.Call.Kind == CallKind.Create))
        {
            var id = response.Text("id")!;
            if (titles.GetValueOrDefault(call.Title!) is not [var listed] || (string?)listed["id"] != id)
            {
                problems.Add($"{call}: answered {id}, but the list has {titles.GetValueOrDefault(call.Title!)?.Count ?? 0} approvals titled '{call.Title}'");
                continue;
            }
            var now = (await http.GetAsync(survivor.Url($"/v1/approvals/{id}"), RequesterToken)).Json!;
            var sent = JsonNode.Parse(call.Body)!;
            var then = response.Json!;
            foreach (var field in new[] { "id", "title", "summary", "requested_by", "created_at", "expires_at", "risk_level" })
            {
                if ((string?)then[field] != (string?)now[field])
                {
                    problems.Add($"{id}: {field} was answered {then[field]}, is now {now[field]}");
                }
            }
            if ((string?)sent["title"] != (string?)now["title"] || (int)sent["risk_score"]! != (int)now["risk_score"]! || !JsonNode.DeepEquals(sent["context"], now["context"]))
            {
                problems.Add($"{id}: stored {now.ToJsonString()}; sent {call.Body}");
            }

            var mine = acknowledged.Where(a => a.Call.ApprovalTitle == call.Title && a.Call.Kind is CallKind.Approve or CallKind.Reject or CallKind.LateReject or CallKind.Probe).ToList();
            var status = (string?)now["status"];
            var wins = mine.Where(a => a.Response.Status == HttpStatusCode.OK).ToList();
            if (wins.Count > 1)
            {
                problems.Add($"{id}: {wins.Count} decisions answered 200: {string.Join(", ", wins.Select(w => w.Call.ToString()))}");
            }
            else if (wins.Count == 1)
            {
                var (won, answer) = wins[0];
                var expected = won.Kind == CallKind.Reject || won.Kind == CallKind.LateReject ? "rejected" : "approved";
                if (status != expected || (string?)now["decided_by"] != Deciders[won.Token] || (string?)answer.Json!["status"] != expected)
                {
                    problems.Add($"{id}: {won} was answered {expected}; node-b shows {status} by {(string?)now["decided_by"]}");
                }
            }
            else if (status != "pending" && !unacknowledged.Any(u => u.ApprovalTitle == call.Title && Deciders.GetValueOrDefault(u.Token) == (string?)now["decided_by"]))
            {
                problems.Add($"{id}: {status} by {(string?)now["decided_by"]}, which no call asked for");
            }
            problems.AddRange(mine.Where(a => a.Response.Status != HttpStatusCode.OK)
                .Where(a => a.Response.Status != HttpStatusCode.Conflict || a.Response.Code != "already_resolved" || a.Response.Text("current_status") != status)
                .Select(a => $"{id}: {a.Call} was answered {a.Response}; node-b shows {status}"));
        }
        var sentTitles = log.Answered.Select(a => a.Call).Concat(log.CutOff).Where(c => c.Kind == CallKind.Create).Select(c => c.Title!).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(titles.Where(t => !sentTitles.Contains(t.Key) || t.Value.Count > 1).Select(t => $"{t.Value.Count} stored approvals titled '{t.Key}'"));

        // 4. The event log agrees: one request event each, and one terminal event per decided request.
        var events = await ReadEventsAsync(database);
        foreach (var approval in stored)
        {
            var id = (string)approval["id"]!;
            var terminal = events.Where(e => e.Subject == id && TerminalTypes.Contains(e.Type)).ToList();
            if (events.Count(e => e.Subject == id && e.Type == "approval.requested") != 1
                || terminal.Count != ((string?)approval["status"] == "pending" ? 0 : 1)
                || terminal.Count == 1 && terminal[0].Type != "approval." + (string?)approval["status"])
            {
                problems.Add($"{id} ({(string?)approval["status"]}): events {string.Join(", ", events.Where(e => e.Subject == id).Select(e => e.Type))}");
            }
        }
        Assert.True(problems.Count == 0, $"{problems.Count} problems:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(20))}");

        // 5. Every acknowledged call, retried with its Idempotency-Key on node-b, replays its answer (those node-a gave too).
        var replays = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (answered, ct) =>
        {
            var (call, original) = answered;
            var replay = await http.PostAsync(survivor.Url(call.Path), call.Token, call.Body, call.Key, ct);
            if (!replay.WasReplayed || replay.Status != original.Status || replay.Body != original.Body || replay.ETag != original.ETag || replay.Location != original.Location)
            {
                replays.Add($"{call}: first {original}{Environment.NewLine}  replay {replay} (Idempotent-Replayed: {replay.Replayed})");
            }
        });
        Assert.True(replays.IsEmpty, $"{replays.Count} acknowledged calls did not replay:{Environment.NewLine}{string.Join(Environment.NewLine, replays.Take(10))}");

        output.WriteLine($"checked: {acknowledged.Count(a => a.Call.Kind == CallKind.Create)} acknowledged creates " +
            $"({acknowledged.Count(a => a.Call.Kind == CallKind.Create && a.Call.Node == victim.Name)} answered by node-a), " +
            $"{acknowledged.Count(a => a.Call.Kind != CallKind.Create)} acknowledged decisions and refusals " +
            $"({acknowledged.Count(a => a.Call.Kind == CallKind.Probe)} of them the survivor's polls), all replayed; {stored.Count} approvals and {events.Count} events");
        await survivor.StopAsync();
    }

    /// <summary>
    /// Polls node-b for every id until it answered a read (200) and a decision (200, or 409
    /// already_resolved): each attempt waits <see cref="AttemptTimeout"/> at most, and a decision is
    /// retried under a new Idempotency-Key (a 5xx or a timeout is not an answer). Answered decisions
    /// go into the log as acknowledged calls.
    /// </summary>
    private static async Task<Dictionary<string, Probe>> ProbeAsync(HttpClient http, ServerProcess survivor, List<string> ids, Stopwatch sinceKill, CallLog log)
    {
        var probes = new ConcurrentDictionary<string, Probe>(StringComparer.Ordinal);
        using var deadline = new CancellationTokenSource(ProbeDeadline);
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, _) =>
        {
            var probe = new Probe();
            probes[id] = probe;
            var title = log.TitleOf(id);
            for (var attempt = 0; ; attempt++)
            {
                if (deadline.IsCancellationRequested)
                {
                    probe.Served = ProbeDeadline;
                    return;
                }
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                timeout.CancelAfter(AttemptTimeout);
                Call? call = null;
                try
                {
                    if (probe.Read == TimeSpan.Zero)
                    {
                        var read = await http.GetAsync(survivor.Url($"/v1/approvals/{id}"), RequesterToken, timeout.Token);
                        if (read.Status == HttpStatusCode.OK && read.Text("id") == id)
                        {
                            probe.Read = sinceKill.Elapsed;
                        }
                        else
                        {
                            probe.Fail($"GET {read.StatusCode} {read.Code}");
                        }
                    }
                    if (probe.Read != TimeSpan.Zero)
                    {
                        call = log.Next(CallKind.Probe, $"/v1/approvals/{id}/approve", ProberToken, $"probe-{id}-{attempt}", title, null, """{ "note": "after the kill" }""", survivor.Name);
                        var decided = await http.PostAsync(survivor.Url(call.Path), call.Token, call.Body, call.Key, timeout.Token);
                        log.Answer(call, decided);
                        if (decided.Status == HttpStatusCode.OK || decided is { Status: HttpStatusCode.Conflict, Code: "already_resolved" })
                        {
                            probe.Served = sinceKill.Elapsed;
                            return;
                        }
                        probe.Fail($"approve {decided.StatusCode} {decided.Code}");
                    }
                }
                catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
                {
                    if (call is not null)
                    {
                        // Unanswered: it may still have committed (a later attempt then finds the request decided).
                        log.CutOff.Enqueue(call);
                    }
                    probe.Fail(error is TaskCanceledException ? $"no answer within {AttemptTimeout.TotalSeconds:F0} s" : error.GetType().Name);
                }
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            }
        });
        return probes.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// One worker: creates requests on its node and decides most of them, some on the other node
    /// (approve, reject, or approve then a late reject that must be refused). Once node-a is gone,
    /// calls meant for it go to node-b; node-a's own workers stop at their first call it cuts off.
    /// </summary>
    private static async Task WorkAsync(HttpClient http, Routing routing, ServerProcess home, int worker, CallLog log, CancellationToken cancellationToken)
    {
        var other = home == routing.Victim ? routing.Survivor : routing.Victim;
        for (var n = 0; n < MaxCreatesPerWorker && !cancellationToken.IsCancellationRequested; n++)
        {
            if (home == routing.Victim && routing.IsKilled)
            {
                return;
            }
            var title = $"{home.Name} {worker}-{n}";
            var create = log.Next(CallKind.Create, "/v1/approvals", RequesterToken, $"create-{home.Name}-{worker}-{n}", title, title, $$"""
                { "title": "{{title}}", "summary": "worker {{worker}} call {{n}}", "risk_score": {{(worker * 7 + n) % 40}},
                  "context": { "node": "{{home.Name}}", "worker": {{worker}}, "n": {{n}}, "tags": ["e2e", "two-node-kill"] }, "policy": { "required_approvals": 1 } }
                """, home.Name);
            var answer = await SendAsync(http, routing.Route(home), create, log, cancellationToken);
            if (answer is null && home == routing.Victim)
            {
                return;
            }
            if (answer is not { Status: HttpStatusCode.Created } created)
            {
                continue;
            }
            var path = $"/v1/approvals/{created.Text("id")}";
            var decisions = (n % 4) switch
            {
                0 => [(home, log.Next(CallKind.Approve, path + "/approve", ApproverToken, $"approve-{home.Name}-{worker}-{n}", title, null, """{ "note": "fine" }""", home.Name))],
                1 => [(other, log.Next(CallKind.Reject, path + "/reject", RejecterToken, $"reject-{home.Name}-{worker}-{n}", title, null, """{ "reason": "no" }""", other.Name))],
                2 => new[]
                {
                    (other, log.Next(CallKind.Approve, path + "/approve", ApproverToken, $"approve-{home.Name}-{worker}-{n}", title, null, """{ "note": "fine" }""", other.Name)),
                    (home, log.Next(CallKind.LateReject, path + "/reject", LateToken, $"late-{home.Name}-{worker}-{n}", title, null, """{ "reason": "too late" }""", home.Name)),
                },
                _ => [],
            };
            foreach (var (node, decision) in decisions)
            {
                if (await SendAsync(http, routing.Route(node), decision, log, cancellationToken) is null && home == routing.Victim)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Sends a call; logs its answer (any status) or that it was cut off (no answer).</summary>
    private static async Task<ApiResponse?> SendAsync(HttpClient http, ServerProcess server, Call call, CallLog log, CancellationToken cancellationToken)
    {
        var routed = call with { Node = server.Name };
        try
        {
            var response = await http.PostAsync(server.Url(routed.Path), routed.Token, routed.Body, routed.Key, cancellationToken);
            log.Answer(routed, response);
            return response;
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            log.CutOff.Enqueue(routed);
            return null;
        }
    }

    private static async Task<List<JsonNode>> ListAllAsync(HttpClient http, ServerProcess server)
    {
        var all = new List<JsonNode>();
        string? cursor = null;
        for (var page = 0; page < 200; page++)
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
        throw new InvalidOperationException("More than 200 pages of approvals: the list does not end.");
    }

    private const int ActiveStatus = 3;
    private const int DeadStatus = 6;

    private static async Task<long> CountMembersAsync(PostgresDatabase database, int status)
    {
        await using var command = database.DataSource.CreateCommand("SELECT count(*) FROM OrleansMembershipTable WHERE Status = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = status });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<(string Subject, string Type)>> ReadEventsAsync(PostgresDatabase database)
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
        Probe,
    }

    /// <param name="ApprovalTitle">The title of the request the call is about.</param>
    /// <param name="Title">The title of the request the call creates (creates only).</param>
    /// <param name="Node">The node the call was sent to.</param>
    private sealed record Call(long Sequence, CallKind Kind, string Path, string Token, string Key, string ApprovalTitle, string? Title, string Body, string Node)
    {
        public override string ToString() => $"{Kind} {Path} on {Node} (Idempotency-Key {Key})";
    }

    /// <summary>Sends calls meant for node-a to node-b once node-a is dead, as a load balancer would.</summary>
    private sealed class Routing(ServerProcess victim, ServerProcess survivor, Task killed)
    {
        public ServerProcess Victim => victim;

        public ServerProcess Survivor => survivor;

        public bool IsKilled => killed.IsCompleted;

        public ServerProcess Route(ServerProcess node) => node == victim && IsKilled ? survivor : node;
    }

    /// <summary>When node-b first answered a read and a decision for one request (since the kill), and what failed before.</summary>
    private sealed class Probe
    {
        private readonly ConcurrentQueue<string> _failures = new();

        public TimeSpan Read { get; set; }

        public TimeSpan Served { get; set; }

        public int FailedAttempts => _failures.Count;

        public IEnumerable<string> Failures => _failures;

        public void Fail(string why) => _failures.Enqueue(why);
    }

    /// <summary>What was sent and what came back; signals when enough calls were answered.</summary>
    private sealed class CallLog(int killAfter)
    {
        private readonly TaskCompletionSource _killPoint = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentDictionary<string, string> _titles = new(StringComparer.Ordinal);
        private long _sequence;

        /// <summary>Calls that got an HTTP answer (of any status).</summary>
        public ConcurrentQueue<(Call Call, ApiResponse Response)> Answered { get; } = new();

        public ConcurrentQueue<Call> CutOff { get; } = new();

        public Task KillPoint => _killPoint.Task;

        public Call Next(CallKind kind, string path, string token, string key, string approvalTitle, string? title, string body, string node) =>
            new(Interlocked.Increment(ref _sequence), kind, path, token, key, approvalTitle, title, body, node);

        public string TitleOf(string id) => _titles[id];

        public void Answer(Call call, ApiResponse response)
        {
            if (call.Kind == CallKind.Create && response.Status == HttpStatusCode.Created)
            {
                _titles[response.Text("id")!] = call.Title!;
            }
            Answered.Enqueue((call, response));
            if (Answered.Count >= killAfter)
            {
                _killPoint.TrySetResult();
            }
        }
    }
}
