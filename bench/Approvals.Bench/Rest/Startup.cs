namespace Approvals.Bench.Rest;

/// <summary>
/// <c>startup</c>: the server started n times, each on a fresh database; the time from starting the
/// process to its first successful <c>/health/ready</c>, and its resident memory 5 s after that (idle).
/// Prints each start and the medians.
/// </summary>
public static class Startup
{
    /// <summary>Part of the figure's definition (an idle server after start-up work settled), not a wait for something.</summary>
    private static readonly TimeSpan IdleAfterReady = TimeSpan.FromSeconds(5);

    public static async Task<IReadOnlyList<Figure>> RunAsync(ServerRun run)
    {
        var ready = new List<double>();
        var idle = new List<double>();
        for (var i = 1; i <= run.Count; i++)
        {
            var (readyAfter, rss) = await run.WithServerAsync(async server =>
            {
                await Task.Delay(IdleAfterReady, run.Cancellation);
                return (server.ReadyAfter, server.ResidentBytes() / (1024.0 * 1024));
            });
            Console.WriteLine($"start {i,-4} ready after {readyAfter.TotalMilliseconds:N0} ms; idle RSS {rss:N1} MiB ({IdleAfterReady.TotalSeconds:0} s after ready)");
            ready.Add(readyAfter.TotalMilliseconds);
            idle.Add(rss);
        }
        var figures = new Figure[]
        {
            new("ready after (median)", Stats.Median(ready), "ms", Better.Lower),
            new("idle RSS (median)", Stats.Median(idle), "MiB", Better.Lower, "N1"),
        };
        Console.WriteLine($"median     ready after {figures[0].Text}; idle RSS {figures[1].Text} ({run.Count} start{(run.Count == 1 ? "" : "s")})");
        return figures;
    }
}
