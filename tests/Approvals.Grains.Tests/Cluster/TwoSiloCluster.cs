using System.Diagnostics;
using Approvals.Grains.Tests.Support;
using Approvals.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Approvals.Grains.Tests.Cluster;

/// <summary>
/// Two silos of one test cluster on one migrated PostgreSQL schema: our store and Orleans' reminder
/// table side by side, as nodes keep them (membership stays the test cluster's own). Shared by a test class; a
/// test that kills a silo leaves one, and the next test that needs two starts a new one
/// (<see cref="EnsureTwoSilosAsync"/>).
/// </summary>
public class TwoSiloCluster : PostgresGrainCluster
{
    private static readonly TimeSpan JoinDeadline = TimeSpan.FromSeconds(60);

    protected override short SiloCount => 2;

    // Off here: the tests of this cluster show what reminders alone do when a silo dies
    // (FailureCatchUpCluster shows the catch-up that runs then).
    protected override bool CatchUpAfterSiloFailure => false;

    /// <summary>The silos up now.</summary>
    public IReadOnlyList<InProcessSiloHandle> Silos => Cluster.Silos;

    /// <summary>The grain factory of a silo: calls made through it start on that silo.</summary>
    public static IGrainFactory GrainsOn(InProcessSiloHandle silo) => silo.SiloHost.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Where the grain is active now (asking each silo's own activations, not a directory cache), or null when it is active nowhere.</summary>
    public SiloAddress? WhereIs(IAddressable grain) =>
        Cluster.TryGetGrainContext(grain.GetGrainId(), out var activation) ? activation.Address.SiloAddress : null;

    /// <summary>The status <paramref name="silo"/> has in the membership view of <paramref name="observer"/>.</summary>
    public static SiloStatus StatusOf(SiloAddress silo, InProcessSiloHandle observer) =>
        observer.SiloHost.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.GetSiloStatus(silo);

    /// <summary>
    /// Two active silos that see each other as active, started anew if a test killed one. Returns
    /// the time it took (zero when both were up).
    /// </summary>
    public async Task<TimeSpan> EnsureTwoSilosAsync()
    {
        var clock = Stopwatch.StartNew();
        if (Silos.Count < SiloCount)
        {
            await Cluster.StartSilosAsync(SiloCount - Silos.Count);
        }
        await Eventually.TrueAsync(() => Task.FromResult(Silos.All(observer => Silos.All(silo => StatusOf(silo.SiloAddress, observer) == SiloStatus.Active)
                && observer.SiloHost.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active) == SiloCount)),
            JoinDeadline, $"{SiloCount} silos active in every silo's membership view");
        await Eventually.TrueAsync(async () => (await Cluster.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == SiloCount,
            JoinDeadline, $"the client's cluster has {SiloCount} active silos");
        return clock.Elapsed;
    }
}

/// <summary>The two-silo tests run alone: they kill silos and measure fail-over, which other tests' load would blur.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TwoSiloCollection
{
    public const string Name = "Two silos on PostgreSQL";
}
