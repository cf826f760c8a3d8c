namespace Approvals.Bench.Rest;

/// <summary>
/// Requests before anything is timed, so the figures are of a running server rather than of its
/// first calls (JIT, connection pool, database caches). They are approved, so they neither stay
/// pending nor ever expire, and no scenario's count includes them. 4,000 because tiered compilation is
/// still recompiling hot methods after the first thousand requests (a CPU profile after 500 showed a
/// seventh of the server's processor time in the JIT and most methods not yet at tier 1), which
/// measured the JIT rather than the server.
/// </summary>
public static class Warmup
{
    public const int Count = 4_000;

    /// <returns>The second half of the filing, timed once the first half took the cold start: its rate can plan what follows.</returns>
    public static async Task<LoadResult> RunAsync(ApprovalsClient client, BenchTokens tokens, CancellationToken cancellationToken)
    {
        var body = ApprovalsClient.CreateBody("Warm-up request", "PT1H");
        var ids = new string[Count];
        const int half = Count / 2;
        var cold = await Load.RunAsync(half, Load.Clients, async (i, ct) => ids[i] = await client.CreateAsync(tokens.Requester, body, ct), cancellationToken);
        var warm = await Load.RunAsync(Count - half, Load.Clients, async (i, ct) => ids[half + i] = await client.CreateAsync(tokens.Requester, body, ct), cancellationToken);
        var approved = await Load.RunAsync(Count, Load.Clients, (i, ct) => client.ApproveAsync(tokens.Reviewer(i), ids[i], ct), cancellationToken);
        Console.WriteLine($"warm-up    {Count:N0} created ({cold.PerSecond:N0} /s, then {warm.PerSecond:N0} /s) and approved ({approved.PerSecond:N0} /s); not counted below");
        return warm;
    }
}
