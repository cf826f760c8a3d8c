using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Approvals.EndToEnd.Tests.Hosting;
using Approvals.Testing.PostgreSql;
using Xunit.Abstractions;

namespace Approvals.EndToEnd.Tests.Approvals;

/// <summary>Two server processes on one PostgreSQL schema, deciding the same requests at once.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class TwoNodeRaceTests(ITestOutputHelper output)
{
    private const int Requests = 200;
    private const int CallsPerRequest = 50;
    private const int Parallelism = 48;
    private static readonly TimeSpan LoadDeadline = TimeSpan.FromSeconds(90);

    private static readonly string[] TerminalTypes = ["approval.approved", "approval.rejected", "approval.expired", "approval.cancelled"];

    [PostgresFact]
    public async Task ConcurrentDecisionsOnTwoNodes_ExactlyOneWinsPerRequest_OthersGetAlreadyResolved()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        string[] settings =
        [
            "--Approvals:Storage:Provider=postgres",
            "--Approvals:Storage:ConnectionString=" + database.ConnectionString,
            TestTokens.SigningKeySetting,
        ];
        // Started together: migrations on one schema must be safe from two nodes at once.
        var started = await ServerProcess.StartManyAsync(["node-a", "node-b"], settings, output);
        await using var nodeA = started[0];
        await using var nodeB = started[1];
        ServerProcess[] nodes = [nodeA, nodeB];
        using var http = Api.CreateClient(connectionsPerServer: Parallelism);
        using var deadline = new CancellationTokenSource(LoadDeadline);

        // 200 requests, created on alternating nodes.
        var requester = TestTokens.For("requester-1", "requester");
        var ids = new string[Requests];
        await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = deadline.Token },
            async (i, ct) =>
            {
                var created = await http.PostAsync(nodes[i % 2].Url("/v1/approvals"), requester,
                    $$"""{ "title": "race {{i}}", "risk_score": 5, "policy": { "required_approvals": 1 } }""", cancellationToken: ct);
                Assert.True(created.Status == HttpStatusCode.Created, $"create {i} on {nodes[i % 2].Name}: {created}");
                ids[i] = created.Text("id")!;
            });

        // 50 distinct reviewers per request, approve and reject mixed, and both kinds spread over both
        // nodes. Calls are issued request by request, so the ~48 in flight at any moment mostly race on
        // the same request, from both nodes.
        var reviewers = Enumerable.Range(0, CallsPerRequest)
            .Select(j => TestTokens.For($"reviewer-{j:D2}", $"Reviewer {j}", null, "reviewer"))
            .ToArray();
        // Each request's calls in a shuffled (seeded) order, so the first call issued is not always the same kind on the same node.
        var calls = (from i in Enumerable.Range(0, Requests)
                     from j in Shuffled(CallsPerRequest, seed: i)
                     select new RaceCall(i, j, Approve: (i + j) % 2 == 0, Node: nodes[(i + j / 2) % 2])).ToList();
        var outcomes = new ConcurrentBag<(RaceCall Call, ApiResponse Response)>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(calls, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = deadline.Token },
            async (call, ct) =>
            {
                var uri = call.Node.Url($"/v1/approvals/{ids[call.Request]}/{(call.Approve ? "approve" : "reject")}");
                var body = call.Approve ? $$"""{ "note": "ok {{call.Reviewer}}" }""" : $$"""{ "reason": "no {{call.Reviewer}}" }""";
                outcomes.Add((call, await http.PostAsync(uri, reviewers[call.Reviewer], body, cancellationToken: ct)));
            });
        clock.Stop();
        var rate = calls.Count / clock.Elapsed.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{calls.Count} decision calls on 2 nodes in {clock.Elapsed.TotalSeconds:F1} s: {rate:F0} calls/s (parallelism {Parallelism})"));

        Assert.Equal(calls.Count, outcomes.Count);
        var serverErrors = outcomes.Where(o => o.Response.StatusCode >= 500).ToList();
        Assert.True(serverErrors.Count == 0,
            $"{serverErrors.Count} calls got 5xx, e.g. {serverErrors.FirstOrDefault().Response}{Environment.NewLine}" +
            $"node-a:{Environment.NewLine}{nodeA.RecentOutput}{Environment.NewLine}node-b:{Environment.NewLine}{nodeB.RecentOutput}");

        var problems = new List<string>();
        foreach (var perRequest in outcomes.GroupBy(o => o.Call.Request).OrderBy(g => g.Key))
        {
            var id = ids[perRequest.Key];
            var winners = perRequest.Where(o => o.Response.Status == HttpStatusCode.OK).ToList();
            if (winners.Count != 1)
            {
                problems.Add($"{id}: {winners.Count} calls got 200");
                continue;
            }
            var (winningCall, winningResponse) = winners[0];
            var winningStatus = winningCall.Approve ? "approved" : "rejected";
            if (winningResponse.Text("status") != winningStatus || winningResponse.Text("id") != id)
            {
                problems.Add($"{id}: the winning {(winningCall.Approve ? "approve" : "reject")} answered {winningResponse}");
            }
            foreach (var (call, response) in perRequest.Where(o => o.Response.Status != HttpStatusCode.OK))
            {
                if (response.Status != HttpStatusCode.Conflict || response.Code != "already_resolved" || response.Text("current_status") != winningStatus)
                {
                    problems.Add($"{id}: reviewer {call.Reviewer} on {call.Node.Name} got {response} (winner: {winningStatus})");
                }
            }
        }
        output.WriteLine("winners per node and kind: " + string.Join(", ", outcomes.Where(o => o.Response.Status == HttpStatusCode.OK)
            .GroupBy(o => $"{o.Call.Node.Name} {(o.Call.Approve ? "approve" : "reject")}").OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
        Assert.True(problems.Count == 0, $"{problems.Count} wrong outcomes:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(20))}");

        // The event log: exactly one request event and one terminal event per request.
        var events = new List<(string Subject, string Type)>();
        await using (var read = database.DataSource.CreateCommand("SELECT subject_id, type FROM events"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                events.Add((reader.GetString(0), reader.GetString(1)));
            }
        }
        foreach (var id in ids)
        {
            Assert.Equal(1, events.Count(e => e.Subject == id && e.Type == "approval.requested"));
            var terminal = events.Where(e => e.Subject == id && TerminalTypes.Contains(e.Type)).Select(e => e.Type).ToList();
            Assert.True(terminal.Count == 1, $"{id} has {terminal.Count} terminal events: {string.Join(", ", terminal)}");
        }
        Assert.DoesNotContain(events, e => TerminalTypes.Contains(e.Type) && !ids.Contains(e.Subject));
        output.WriteLine($"{events.Count} events; {events.Count(e => TerminalTypes.Contains(e.Type))} terminal, one per request");

        await Task.WhenAll(nodeA.StopAsync(), nodeB.StopAsync());
    }

    private static int[] Shuffled(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
#pragma warning disable CA5394 // Not security: a reproducible order of test calls.
        new Random(seed).Shuffle(order);
#pragma warning restore CA5394
        return order;
    }

    private sealed record RaceCall(int Request, int Reviewer, bool Approve, ServerProcess Node);
}
