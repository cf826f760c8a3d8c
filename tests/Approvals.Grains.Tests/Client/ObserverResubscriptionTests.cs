using System.Collections.Concurrent;
using Approvals.Client.Cluster;
using Approvals.Contracts;
using Approvals.Grains.Abstractions;
using Approvals.Grains.Tests.Cluster;
using Approvals.Testing.PostgreSql;
using Xunit.Abstractions;

namespace Approvals.Grains.Tests.Client;

/// <summary>
/// Observers are not durable: when the silo holding a request stops, its grain forgets the waiter's observer.
/// The in-cluster client subscribes again each period; the request's new activation (on the surviving silo)
/// then knows the observer, and its next change is told to it.
/// </summary>
[Collection(TwoSiloCollection.Name)]
public sealed class ObserverResubscriptionTests(TwoSiloCluster cluster, ITestOutputHelper output) : IClassFixture<TwoSiloCluster>
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Resubscribe = TimeSpan.FromSeconds(1);

    private readonly string _tenant = $"t_{Guid.NewGuid():N}";

    private Caller Person(string id, params string[] roles) => new(CallerKind.Person, id, id, _tenant, roles, [], 3);

    [PostgresFact]
    public async Task AnObserverLostWithItsSilo_IsSubscribedAgain_AndTheNextDecisionReachesIt()
    {
        await cluster.EnsureTwoSilosAsync();
        var victim = cluster.Silos[^1];
        var requester = new ClusterApprovalsClient(cluster.Grains, Person("user_req", "requester"), Resubscribe);
        var reviewer = new ClusterApprovalsClient(cluster.Grains, Person("user_rev", "reviewer"), Resubscribe);

        // A request active on the silo about to stop (placement is not ours to choose: file a few).
        string? id = null;
        for (var i = 0; i < 40 && id is null; i++)
        {
            var created = await requester.CreateAsync(new CreateApprovalRequest { Title = $"restart db-{i}", RiskScore = 60, ExpiresIn = "PT24H" });
            var grain = cluster.Grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(_tenant, created.Id));
            if (Equals(cluster.WhereIs(grain), victim.SiloAddress))
            {
                id = created.Id;
            }
        }
        Assert.True(id is not null, "No request became active on the silo about to stop: the stop would test nothing.");

        var log = new ConcurrentQueue<(bool AfterStop, ObserverActivityKind Kind)>();
        var stopped = false;
        var renewalsAfterStop = 0;
        var subscribedBeforeStop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribedAfterStop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        requester.ObserverActivity += a =>
        {
            var after = Volatile.Read(ref stopped);
            log.Enqueue((after, a.Kind));
            if (a.Kind == ObserverActivityKind.Subscribed)
            {
                // The second renewal after the stop surely started after it (the first may have been answered just before).
                if (!after)
                {
                    subscribedBeforeStop.TrySetResult();
                }
                else if (Interlocked.Increment(ref renewalsAfterStop) == 2)
                {
                    subscribedAfterStop.TrySetResult();
                }
            }
        };

        var wait = requester.WaitForDecisionAsync(id!, TimeSpan.FromHours(1));
        await subscribedBeforeStop.Task.WaitAsync(Hang);
        await cluster.Cluster.StopSiloAsync(victim);
        Volatile.Write(ref stopped, true);
        var grainOfId = cluster.Grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(_tenant, id!));
        await subscribedAfterStop.Task.WaitAsync(Hang);
        Assert.NotEqual(victim.SiloAddress, cluster.WhereIs(grainOfId));
        Assert.False(wait.IsCompleted);

        var approved = await reviewer.ApproveAsync(id!, "after the move");
        var status = await wait.WaitAsync(Hang);

        Assert.Equal("approved", status.Status);
        Assert.Equal(approved.Version, status.Version);
        // Told by the new activation, which knew the observer only from the renewal.
        Assert.Contains((true, ObserverActivityKind.Notified), log);
        output.WriteLine(string.Join(", ", log.Select(e => $"{(e.AfterStop ? "after" : "before")}:{e.Kind}")));
    }
}
