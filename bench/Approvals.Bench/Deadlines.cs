using System.Diagnostics;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;

namespace Approvals.Bench;

/// <summary>
/// Timer precision on the real clock: <c>count</c> pending requests whose deadlines fall within
/// 5 seconds; prints how late each expiry was applied (p50, p99, max).
/// </summary>
public static class Deadlines
{
    public static async Task RunAsync(BenchTarget target, int count)
    {
        var store = target.Store;
        var now = ApprovalValidation.Truncate(DateTimeOffset.UtcNow);
        var start = now + TimeSpan.FromSeconds(10);
        var requester = Principal.Person("user_1", "Seeder", [Roles.Requester]);
        var request = new CreateApprovalRequest { Title = "Deadline", ExpiresIn = "PT1H" };
        var seeded = await BenchNode.SeedAsync(store, count, _ => (now, request, requester),
            (i, s) => s with { ExpiresAt = ApprovalValidation.Truncate(start + TimeSpan.FromMilliseconds(5000.0 * i / count)) });
        Console.WriteLine($"seeded {count:N0}; deadlines from {(start - DateTimeOffset.UtcNow).TotalSeconds:0.0} s from now, over 5 s");

        await using var node = new BenchNode(store, TimeProvider.System);
        await node.Timers.StartAsync(default);
        var sw = Stopwatch.StartNew();
        while (await store.CountAsync(Principal.DefaultTenant, ApprovalStatus.Expired, default) < count && sw.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(100);
        }
        await node.Timers.StopAsync(default);

        var lateness = new List<double>(count);
        foreach (var state in seeded)
        {
            var s = (await store.LoadApprovalAsync(state.Id, default))!.State;
            lateness.Add(s.DecidedAt is { } at ? (at - s.ExpiresAt).TotalMilliseconds : double.PositiveInfinity);
        }
        lateness.Sort();
        Console.WriteLine($"expiry lateness: p50 {lateness[count / 2]:0} ms, p99 {lateness[count * 99 / 100]:0} ms, max {lateness[^1]:0} ms");
    }
}
