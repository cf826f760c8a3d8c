using Approvals.Testing;
using System.Collections.Concurrent;
using Approvals.Core.Storage;
using Approvals.Runtime.Tests.Support;
using Approvals.Runtime.Timers;
using Approvals.Testing.PostgreSql;

namespace Approvals.Runtime.Tests.Timers;

/// <summary>Two timer services (two nodes) side by side on one PostgreSQL database.</summary>
[Collection(HeavyCollection.Name)]
public sealed class TwoTimerServicesTests : IAsyncLifetime
{
    private readonly PostgresBackend _backend = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private sealed class RecordingHandler(string node, ConcurrentDictionary<string, ConcurrentBag<string>> fired) : ITimerHandler
    {
        public string ActorType => ActorKey.Approval;

        public Task<bool> HandleAsync(DueTimer timer, CancellationToken cancellationToken)
        {
            fired.GetOrAdd(timer.Actor.Id, _ => []).Add(node);
            return Task.FromResult(false);
        }
    }

    [PostgresFact]
    public async Task TwoTimerServices_NeverFireOneTimerTwice()
    {
        const int count = 3_000;
        var storeA = await _backend.OpenStoreAsync();
        var storeB = await _backend.OpenStoreAsync();
        var due = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        var seeded = await TimerScaleTests.SeedPendingAsync(storeA, count, i => due + TimeSpan.FromMilliseconds(i % 500));

        var fired = new ConcurrentDictionary<string, ConcurrentBag<string>>();
        var small = new TimerServiceOptions { BatchSize = 50, MaxConcurrency = 8 };
        await using var nodeA = new TestNode(storeA, TimeProvider.System, timers: small, extraHandlers: [new RecordingHandler("A", fired)]);
        await using var nodeB = new TestNode(storeB, TimeProvider.System, timers: small, extraHandlers: [new RecordingHandler("B", fired)]);
        await Task.WhenAll(nodeA.StartTimersAsync(), nodeB.StartTimersAsync());

        await Eventually.TrueAsync(() => Task.FromResult(fired.Count == count), TimeSpan.FromSeconds(60), $"{count} timers fired");
        await Eventually.TrueAsync(async () => await storeA.NextDueAtAsync(default) is null, TimeSpan.FromSeconds(30), "every fired timer completed");

        Assert.All(seeded, s => Assert.Single(fired[s.Id]));
    }
}
