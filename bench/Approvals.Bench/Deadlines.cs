using System.Diagnostics;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Runtime.Actors;
using Approvals.Runtime.Approvals;
using Approvals.Runtime.Timers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

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
        var ids = new List<string>(count);
        var requester = Principal.Person("user_1", "Seeder", [Roles.Requester]);
        foreach (var chunk in Enumerable.Range(0, count).Chunk(1000))
        {
            var writes = new List<StateWrite>();
            foreach (var i in chunk)
            {
                var id = Ids.New("apr", now);
                var request = new CreateApprovalRequest { Title = "Deadline", ExpiresIn = "PT1H" };
                var t = ApprovalStateMachine.Decide(null, new ApprovalCommand.Create(id, request, requester), now, new ApprovalOptions()).Value!;
                var state = t.State with { ExpiresAt = ApprovalValidation.Truncate(start + TimeSpan.FromMilliseconds(5000.0 * i / count)) };
                var e = EventHasher.Seal(Ids.New("evt", now), t.Events[0], state.TenantId, id, now, null);
                writes.Add(new ApprovalWrite(state, 0, [e], [new TimerChange(ActorKey.ForApproval(id), TimerChange.Expiry, state.ExpiresAt)], null));
                ids.Add(id);
            }
            await store.SaveAsync(writes, default);
        }
        Console.WriteLine($"seeded {count:N0}; deadlines from {(start - DateTimeOffset.UtcNow).TotalSeconds:0.0} s from now, over 5 s");

        var options = new ActorHostOptions();
        using var metrics = new ActorMetrics();
        await using var writer = new GroupCommitWriter(store, options, metrics, NullLogger<GroupCommitWriter>.Instance);
        var wakeup = new TimerWakeup();
        using var approvals = new ApprovalService(store, writer, Options.Create(new ApprovalOptions()), Options.Create(options),
            TimeProvider.System, metrics, wakeup, new ApprovalChanges());
        using var timers = new TimerService(store, [approvals], Options.Create(new TimerServiceOptions()), wakeup, TimeProvider.System,
            NullLogger<TimerService>.Instance);
        await timers.StartAsync(default);
        var sw = Stopwatch.StartNew();
        while (await store.CountAsync(Principal.DefaultTenant, ApprovalStatus.Expired, default) < count && sw.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(100);
        }
        await timers.StopAsync(default);

        var lateness = new List<double>(count);
        foreach (var id in ids)
        {
            var s = (await store.LoadApprovalAsync(id, default))!.State;
            lateness.Add(s.DecidedAt is { } at ? (at - s.ExpiresAt).TotalMilliseconds : double.PositiveInfinity);
        }
        lateness.Sort();
        Console.WriteLine($"expiry lateness: p50 {lateness[count / 2]:0} ms, p99 {lateness[count * 99 / 100]:0} ms, max {lateness[^1]:0} ms");
    }
}
