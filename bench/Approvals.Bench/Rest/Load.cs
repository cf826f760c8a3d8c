using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Approvals.Bench.Rest;

/// <summary>Runs a call for indexes 0..count-1 from a fixed number of concurrent clients and times each call.</summary>
public static class Load
{
    /// <summary>The clients of every REST scenario: enough to keep a group commit busy on two cores.</summary>
    public const int Clients = 64;

    /// <summary>
    /// <paramref name="clients"/> loops each take the next index and await <paramref name="call"/> on it, so
    /// exactly that many requests are in flight until the work runs out. The first failure stops all of them
    /// and is rethrown as it was.
    /// </summary>
    public static async Task<LoadResult> RunAsync(int count, int clients, Func<int, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        var latencies = new double[count];
        var next = -1;
        ExceptionDispatchInfo? firstFailure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = Stopwatch.GetTimestamp();

        async Task Client()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count && !stop.IsCancellationRequested)
            {
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    await call(i, stop.Token);
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    Interlocked.CompareExchange(ref firstFailure, ExceptionDispatchInfo.Capture(e), null);
                    await stop.CancelAsync();
                    return;
                }
                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            }
        }

        try
        {
            await Task.WhenAll(Enumerable.Range(0, Math.Min(clients, count)).Select(_ => Task.Run(Client, CancellationToken.None)));
        }
        catch (Exception) when (firstFailure is not null)
        {
            // The other clients stopped because of the first failure, which is rethrown below.
        }
        firstFailure?.Throw();
        cancellationToken.ThrowIfCancellationRequested();
        return new LoadResult(count, Stopwatch.GetElapsedTime(started), latencies);
    }
}

/// <summary>What a load run did: how many calls, how long it took, and each call's latency in ms.</summary>
public sealed class LoadResult
{
    private readonly double[] _sorted;

    public LoadResult(int count, TimeSpan elapsed, double[] latenciesMs)
    {
        Count = count;
        Elapsed = elapsed;
        _sorted = (double[])latenciesMs.Clone();
        Array.Sort(_sorted);
    }

    public int Count { get; }

    public TimeSpan Elapsed { get; }

    public double PerSecond => Count / Elapsed.TotalSeconds;

    /// <summary>The latency at percentile <paramref name="p"/> (nearest rank), in ms.</summary>
    public double LatencyMs(double p) => Stats.Percentile(_sorted, p);

    /// <summary>One line for the console: rate, count and time, latency percentiles.</summary>
    public string Describe(string name) =>
        $"{name,-10} {PerSecond,9:N0} /s   ({Count:N0} in {Elapsed.TotalSeconds:0.00} s, {Load.Clients} clients)   latency p50 {LatencyMs(50):0.0} ms, p99 {LatencyMs(99):0.0} ms";
}

/// <summary>Order statistics over samples.</summary>
public static class Stats
{
    /// <summary>Nearest-rank percentile of ascending <paramref name="sorted"/>.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
