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

    /// <summary>
    /// Correctness only: every deadline is applied exactly once and never before its time. How late
    /// they are is a figure (printed here, measured by bench/ deadlines), never an assertion: on a
    /// busy machine any bound on lateness fails for reasons that are not ours.
    /// </summary>
    [StoreFact]
    public async Task TenThousandDeadlinesWithinFiveSeconds_EachExpiresExactlyOnce_NeverBeforeItsDeadline()
    {
        const int count = 10_000;
        var store = await _backend.OpenStoreAsync();
        // The lead time lets seeding finish before the first deadline; if a loaded machine seeds more
        // slowly, the early deadlines are simply overdue at start, which the node must handle as well.
        var seeding = System.Diagnostics.Stopwatch.StartNew();
        var start = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(12);
        var seeded = await SeedPendingAsync(store, count, i => start + TimeSpan.FromMilliseconds(5000.0 * i / count));
        output.WriteLine($"seeded {count} pending requests in {seeding.ElapsedMilliseconds} ms");

        await using var node = new TestNode(store, TimeProvider.System);
        await node.StartTimersAsync();
        await Eventually.TrueAsync(async () => (await store.CountAsync(Principal.DefaultTenant, ApprovalStatus.Expired, default)) == count,
            TimeSpan.FromSeconds(120), $"{count} requests expired");

        var lateness = new List<double>(count);
        foreach (var state in seeded)
        {
            var stored = (await store.LoadApprovalAsync(state.Id, default))!.State;
            Assert.Equal(ApprovalStatus.Expired, stored.Status);
            Assert.True(stored.DecidedAt >= stored.ExpiresAt, $"{state.Id} expired at {stored.DecidedAt:O}, before its deadline {stored.ExpiresAt:O}");
            var expiries = (await store.ReadSubjectAsync(state.Id, default)).Count(e => e.Type == EventTypes.ApprovalExpired);
            Assert.True(expiries == 1, $"{state.Id} has {expiries} expiry events");
            lateness.Add((stored.DecidedAt!.Value - stored.ExpiresAt).TotalMilliseconds);
        }
        lateness.Sort();
        output.WriteLine($"{count} expiries: lateness p50 {lateness[count / 2]:0} ms, p99 {lateness[count * 99 / 100]:0} ms, max {lateness[^1]:0} ms (a figure, not a bound)");
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
