namespace Approvals.Bench.Rest;

/// <summary>
/// <c>rest</c>: n requests filed, then n approved, each by 64 concurrent clients over HTTP; creates/s,
/// approves/s and request latency (p50, p99).
/// </summary>
public static class RestThroughput
{
    public static Task<IReadOnlyList<Figure>> RunAsync(ServerRun run) => run.WithServerAsync<IReadOnlyList<Figure>>(async server =>
    {
        var cancellation = run.Cancellation;
        var tokens = server.Tokens;
        using var client = new ApprovalsClient(server.BaseAddress, Load.Clients);
        await Warmup.RunAsync(client, tokens, cancellation);

        var body = ApprovalsClient.CreateBody("Benchmark request", "PT1H");
        var ids = new string[run.Count];
        var cpuBefore = server.ProcessorTime();
        var created = await Load.RunAsync(run.Count, Load.Clients,
            async (i, ct) => ids[i] = await client.CreateAsync(tokens.Requester, body, ct), cancellation);
        var cpuCreating = server.ProcessorTime() - cpuBefore;
        Console.WriteLine(created.Describe("create"));
        cpuBefore = server.ProcessorTime();
        var approved = await Load.RunAsync(run.Count, Load.Clients,
            (i, ct) => client.ApproveAsync(tokens.Reviewer(i), ids[i], ct), cancellation);
        var cpuApproving = server.ProcessorTime() - cpuBefore;
        Console.WriteLine(approved.Describe("approve"));

        // Each 200 should be a decision the server kept: its own count must agree.
        var approvedCount = await client.CountAsync(tokens.Reviewer(0), "approved", cancellation);
        if (approvedCount != run.Count + Warmup.Count)
        {
            run.Problems.Add($"the server counts {approvedCount:N0} approved requests; {run.Count + Warmup.Count:N0} were approved");
        }
        return
        [
            new Figure("creates/s", created.PerSecond, "/s", Better.Higher),
            new Figure("approves/s", approved.PerSecond, "/s", Better.Higher),
            new Figure("create p50", created.LatencyMs(50), "ms", Better.Lower, "N1"),
            new Figure("create p99", created.LatencyMs(99), "ms", Better.Lower, "N1"),
            new Figure("approve p50", approved.LatencyMs(50), "ms", Better.Lower, "N1"),
            new Figure("approve p99", approved.LatencyMs(99), "ms", Better.Lower, "N1"),
            // The server process only (on PostgreSQL the database's own processes are not counted).
            new Figure("server CPU per create", cpuCreating.TotalMicroseconds / run.Count, "µs", Better.Lower),
            new Figure("server CPU per approve", cpuApproving.TotalMicroseconds / run.Count, "µs", Better.Lower),
        ];
    });
}
