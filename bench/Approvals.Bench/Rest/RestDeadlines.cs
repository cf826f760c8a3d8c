namespace Approvals.Bench.Rest;

/// <summary>
/// <c>rest-deadlines</c>: n requests whose <c>expires_at</c> are spread evenly over 5 s, the first a
/// few seconds after the last of them was filed; then how late the server applied each expiry
/// (its <c>decided_at</c> minus its <c>expires_at</c>, both the server's clock): p50, p99, max, and
/// how many expired early (must be none).
/// </summary>
public static class RestDeadlines
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan GiveUpAfterLastDeadline = TimeSpan.FromMinutes(2);

    public static Task<IReadOnlyList<Figure>> RunAsync(ServerRun run) => run.WithServerAsync<IReadOnlyList<Figure>>(async server =>
    {
        var n = run.Count;
        var cancellation = run.Cancellation;
        var tokens = server.Tokens;
        using var client = new ApprovalsClient(server.BaseAddress, Load.Clients);
        var warmup = await Warmup.RunAsync(client, tokens, cancellation);

        // Deadlines are fixed when a request is filed, so they are planned before filing: filing is
        // estimated from the warm server's rate, given half again as margin (a rate measured over a few
        // hundred requests may not hold for many thousands), and the first deadline comes a few seconds
        // after that. Requests are filed in deadline order, so the earliest deadlines are filed first.
        var estimate = TimeSpan.FromSeconds(n / warmup.PerSecond);
        var firstDeadline = DateTimeOffset.UtcNow + estimate * 1.5 + Settle;
        var deadlines = Enumerable.Range(0, n).Select(i => firstDeadline + Window * i / n).ToArray();
        var bodies = deadlines.Select((at, i) => ApprovalsClient.CreateBody($"Deadline {i}", null, at)).ToArray();
        Console.WriteLine($"deadlines  {n:N0} over {Window.TotalSeconds:0} s, the first in {(firstDeadline - DateTimeOffset.UtcNow).TotalSeconds:0.0} s "
            + $"(filing estimated at {estimate.TotalSeconds:0.0} s from the warm-up rate)");

        var ids = new string[n];
        LoadResult created;
        try
        {
            created = await Load.RunAsync(n, Load.Clients, async (i, ct) => ids[i] = await client.CreateAsync(tokens.Requester, bodies[i], ct), cancellation);
        }
        catch (BenchException refused) when (DateTimeOffset.UtcNow >= firstDeadline)
        {
            throw new BenchException($"Filing was slower than planned and reached the deadlines (a deadline in the past is refused); try a smaller n.{Environment.NewLine}{refused.Message}");
        }
        var filed = DateTimeOffset.UtcNow;
        Console.WriteLine(created.Describe("create"));
        var margin = firstDeadline - filed;
        Console.WriteLine(margin >= TimeSpan.Zero
            ? $"filing     ended {margin.TotalSeconds:0.0} s before the first deadline"
            : $"filing     ended {-margin.TotalSeconds:0.0} s AFTER the first deadline: {deadlines.Count(d => d < filed):N0} deadlines came due while "
              + "requests were still being filed (each was filed before its own deadline); their lateness is measured all the same");

        // Wait until the server has expired all of them, by its own count.
        var lastDeadline = deadlines[^1];
        long expired;
        while ((expired = await client.CountAsync(tokens.Reviewer(0), "expired", cancellation)) < n)
        {
            if (DateTimeOffset.UtcNow > lastDeadline + GiveUpAfterLastDeadline)
            {
                throw new BenchException($"Only {expired:N0} of {n:N0} requests had expired {GiveUpAfterLastDeadline.TotalMinutes:0} min after the last deadline.");
            }
            await Task.Delay(PollInterval, cancellation);
        }
        Console.WriteLine($"expired    all {n:N0} seen {(DateTimeOffset.UtcNow - lastDeadline).TotalSeconds:0.00} s after the last deadline (polling every {PollInterval.TotalMilliseconds:0} ms)");

        // When each expiry was applied: the approval's decided_at, stamped by the server as it expired it.
        var ours = ids.ToHashSet(StringComparer.Ordinal);
        var lateness = new List<double>(n);
        var early = 0;
        await foreach (var approval in client.ListAsync(tokens.Reviewer(0), "expired", cancellation))
        {
            if (!ours.Remove(approval.Id))
            {
                continue;
            }
            var appliedAt = approval.DecidedAt ?? throw new BenchException($"{approval.Id} is expired but has no decided_at.");
            var late = (appliedAt - approval.ExpiresAt).TotalMilliseconds;
            lateness.Add(late);
            if (late < 0)
            {
                early++;
            }
        }
        if (ours.Count > 0)
        {
            throw new BenchException($"{ours.Count:N0} of the filed requests are not among the expired ones.");
        }
        lateness.Sort();
        var p50 = Stats.Percentile(lateness, 50);
        var p99 = Stats.Percentile(lateness, 99);
        Console.WriteLine($"lateness   p50 {p50:N1} ms, p99 {p99:N1} ms, max {lateness[^1]:N1} ms; expired early: {early:N0} (must be 0)");
        if (early > 0)
        {
            run.Problems.Add($"{early:N0} requests expired before their expires_at (earliest {-lateness[0]:N1} ms early)");
        }
        return
        [
            new Figure("lateness p50", p50, "ms", Better.Lower, "N1"),
            new Figure("lateness p99", p99, "ms", Better.Lower, "N1"),
            new Figure("lateness max", lateness[^1], "ms", Better.Lower, "N1"),
            new Figure("expired early", early, "", Better.Lower),
            new Figure("creates/s", created.PerSecond, "/s", Better.Higher),
        ];
    });
}
