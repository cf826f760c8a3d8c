using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Runtime.Tests.Support;
using Approvals.Runtime.Timers;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Xunit.Abstractions;

namespace Approvals.Runtime.Tests.Timers;

/// <summary>Many timers on the real clock; subclassed per backend.</summary>
[Collection(HeavyCollection.Name)]
public abstract class TimerScaleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private Backend _backend = null!;

    protected abstract Backend CreateBackend();

    public Task InitializeAsync()
    {
        _backend = CreateBackend();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    /// <summary>
    /// Seeds pending requests directly through the store (fast, one transaction per 500), each with
    /// its expiry timer, as the actor would write them.
    /// </summary>
    internal static async Task<List<ApprovalState>> SeedPendingAsync(IApprovalsStore store, int count, Func<int, DateTimeOffset> expiresAt)
    {
        var now = ApprovalValidation.Truncate(DateTimeOffset.UtcNow);
        var all = new List<ApprovalState>(count);
        foreach (var chunk in Enumerable.Range(0, count).Chunk(500))
        {
            var writes = new List<StateWrite>();
            foreach (var i in chunk)
            {
                var id = Ids.New("apr", now);
                var transition = ApprovalStateMachine.Decide(null, new ApprovalCommand.Create(id, Requests.Simple(expiresIn: "P1D"), People.Requester()), now, new ApprovalOptions()).Value!;
                var state = transition.State with { ExpiresAt = ApprovalValidation.Truncate(expiresAt(i)) };
                var e = EventHasher.Seal(Ids.New("evt", now), transition.Events[0], state.TenantId, state.Id, now, null);
                writes.Add(new ApprovalWrite(state, 0, [e], [new TimerChange(ActorKey.ForApproval(id), TimerChange.Expiry, state.ExpiresAt)], null));
                all.Add(state);
            }
            Assert.All(await store.SaveAsync(writes, default), o => Assert.Equal(WriteOutcome.Committed, o));
        }
        return all;
    }

    [StoreFact]
    public async Task TenThousandDeadlinesWithinFiveSeconds_AllExpire_EachLessThanASecondLate()
    {
        const int count = 10_000;
        var store = await _backend.OpenStoreAsync();
        // The lead time covers seeding (a few seconds on a loaded 2-core machine) so deadlines only start once the node runs.
        var seeding = System.Diagnostics.Stopwatch.StartNew();
        var start = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(12);
        var seeded = await SeedPendingAsync(store, count, i => start + TimeSpan.FromMilliseconds(5000.0 * i / count));
        output.WriteLine($"seeded {count} pending requests in {seeding.ElapsedMilliseconds} ms");
        Assert.True(DateTimeOffset.UtcNow < start, "seeding took longer than the lead time; the test would measure seeding, not timers");

        await using var node = new TestNode(store, TimeProvider.System);
        await node.StartTimersAsync();
        await Eventually.TrueAsync(async () => (await store.CountAsync(Principal.DefaultTenant, ApprovalStatus.Expired, default)) == count,
            TimeSpan.FromSeconds(60), $"{count} requests expired");

        var lateness = new List<double>(count);
        foreach (var state in seeded)
        {
            var stored = (await store.LoadApprovalAsync(state.Id, default))!.State;
            lateness.Add((stored.DecidedAt!.Value - stored.ExpiresAt).TotalMilliseconds);
        }
        lateness.Sort();
        output.WriteLine($"{count} expiries: lateness p50 {lateness[count / 2]:0} ms, p99 {lateness[count * 99 / 100]:0} ms, max {lateness[^1]:0} ms");
        Assert.All(lateness, ms => Assert.InRange(ms, 0, 999));
    }
}

[Collection(HeavyCollection.Name)]
public sealed class SqliteTimerScaleTests(ITestOutputHelper output) : TimerScaleTests(output)
{
    protected override Backend CreateBackend() => new SqliteBackend();
}

[RequiresPostgres]
[Collection(HeavyCollection.Name)]
public sealed class PostgresTimerScaleTests(ITestOutputHelper output) : TimerScaleTests(output)
{
    protected override Backend CreateBackend() => new PostgresBackend();
}
