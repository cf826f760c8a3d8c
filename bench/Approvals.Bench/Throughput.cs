using System.Diagnostics;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Runtime.Actors;
using Approvals.Runtime.Approvals;
using Approvals.Runtime.Timers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Approvals.Bench;

/// <summary>Commands per second through the whole runtime (actors, group commit, storage).</summary>
public static class Throughput
{
    public static async Task RunAsync(BenchTarget target, int count)
    {
        var store = target.Store;
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var node = new BenchNode(store, clock);
        var approvals = node.Approvals;
        var requester = Principal.Person("bench_requester", "Bench", [Roles.Requester]);
        var request = new CreateApprovalRequest { Title = "Benchmark request", RiskScore = 10, ExpiresIn = "PT1H" };

        var ids = new string[count];
        await MeasureAsync("create", count, 64, async i => ids[i] = (await approvals.CreateAsync(request, requester, default)).Value!.Id);

        var sw = Stopwatch.StartNew();
        for (var i = 0; i < Math.Min(count, 2000); i++)
        {
            await store.LoadApprovalAsync(ids[i], default);
        }
        Console.WriteLine($"{"load (serial)",-22} {Math.Min(count, 2000) / sw.Elapsed.TotalSeconds,10:N0} /s");

        var half = count / 2;
        await MeasureAsync("approve", half, 64, async i =>
            await approvals.ApproveAsync(ids[i], Principal.Person($"rev_{i % 7}", null, [Roles.Reviewer]), "ok", null, default));

        // The rest expire through the timer service, as on a real deadline.
        clock.Advance(TimeSpan.FromHours(2));
        var timers = node.Timers;
        sw.Restart();
        var fired = 0;
        int round;
        while ((round = await timers.RunOnceAsync(default)) > 0)
        {
            fired += round;
        }
        Console.WriteLine($"{"expire (timers)",-22} {fired / sw.Elapsed.TotalSeconds,10:N0} /s   ({fired:N0} fired)");
    }

    private static async Task MeasureAsync(string name, int count, int concurrency, Func<int, Task> operation)
    {
        var sw = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, _) => await operation(i));
        Console.WriteLine($"{name,-22} {count / sw.Elapsed.TotalSeconds,10:N0} /s   ({count:N0} in {sw.Elapsed.TotalSeconds:0.00} s, {concurrency} concurrent)");
    }
}

/// <summary>A clock the benchmark moves by hand (deadlines come due without waiting).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => start + (DateTimeOffset.UtcNow - start) + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
