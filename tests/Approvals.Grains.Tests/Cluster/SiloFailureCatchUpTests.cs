using System.Globalization;
using System.Diagnostics;
using Approvals.Contracts;
using Approvals.Grains.Abstractions;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Approvals.Grains.Tests.Cluster;

/// <summary>Two silos whose survivors run the catch-up when a silo is declared dead, as nodes do.</summary>
public sealed class FailureCatchUpCluster : TwoSiloCluster
{
    protected override bool CatchUpAfterSiloFailure => true;
}

/// <summary>
/// A deadline that passes while its reminder belongs to a silo that dies (a tick Orleans would skip, not
/// fire late) is applied by the survivor's catch-up, not a reminder period later.
/// </summary>
[Collection(TwoSiloCollection.Name)]
public sealed class SiloFailureCatchUpTests(FailureCatchUpCluster cluster, ITestOutputHelper output) : IClassFixture<FailureCatchUpCluster>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private readonly string _tenant = $"t_{Guid.NewGuid():N}";

    private IApprovalGrain Grain(string id) => cluster.Grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(_tenant, id));

    [PostgresFact]
    public async Task DeadlinesThatPassWhenASiloDies_AreAppliedByTheSurvivorsCatchUp()
    {
        await cluster.EnsureTwoSilosAsync();
        var requester = new Caller(CallerKind.Person, "user_req", null, _tenant, ["requester"], [], null);
        var ids = Enumerable.Range(0, 40).Select(i => $"apr_{Guid.NewGuid():N}").ToList();
        foreach (var id in ids)
        {
            var created = await Grain(id).ExecuteAsync(requester,
                new ApprovalCall.Create(new CreateApprovalRequest { Title = "Rotate keys", RiskScore = 10, ExpiresIn = "PT1H" }), CallOptions.None);
            Assert.True(created.IsSuccess, created.Error?.Detail);
        }
        // No activation may apply a deadline by its own timer, and every reminder is an hour of real time
        // away: after the kill only a catch-up can bring these requests back.
        await Task.WhenAll(ids.Select(id => cluster.Cluster.DeactivateAsync(Grain(id))));
        var survivor = cluster.Silos[0];
        var victim = cluster.Silos[^1];

        var clock = Stopwatch.StartNew();
        await cluster.Cluster.KillSiloAsync(victim);
        cluster.Clock.Advance(TimeSpan.FromHours(2));

        await Eventually.TrueAsync(async () =>
        {
            foreach (var id in ids)
            {
                if ((await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!.State.Status != ApprovalStatus.Expired)
                {
                    return false;
                }
            }
            return true;
        }, Deadline, $"every request expired by {survivor.Name}'s catch-up after {victim.Name} died");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"all {ids.Count} expired {clock.Elapsed.TotalSeconds:F1} s after the kill"));
    }
}
