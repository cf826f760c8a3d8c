using System.Diagnostics.Metrics;
using Approvals.Contracts;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Approvals.Grains.Approvals;
using Approvals.Grains.Storage;
using Approvals.Grains.Tests.Support;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Orleans.TestingHost;

namespace Approvals.Grains.Tests.Approvals;

/// <summary>
/// The approval grain's metrics on a real cluster and store, in grain time (a fake clock): a decision or an expiry
/// is counted once, by the commit that made it, never by a write that lost its race; an expiry's lateness is its
/// stored decision time minus its deadline. A cluster of its own (moving its clock expires every pending request of
/// the class), whose every test leaves its requests final. Measurements are read from this silo's meters only.
/// </summary>
public abstract class ApprovalMetricsTests<TCluster>(TCluster cluster) : IClassFixture<TCluster> where TCluster : GrainCluster
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly string _tenant = $"t_{Guid.NewGuid():N}";

    private Caller Requester => Person("user_req", "requester");

    private Caller Reviewer => Person("user_rev", "reviewer");

    private Caller Person(string id, params string[] roles) => new(CallerKind.Person, id, id, _tenant, roles, [], null);

    private IApprovalGrain Grain(string id) => cluster.Grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(_tenant, id));

    private MetricCollector<T> Collect<T>(string meter, string instrument) where T : struct =>
        new(((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<IMeterFactory>(), meter, instrument);

    private async Task<string> CreateAsync(string onExpiry = "expire")
    {
        var id = $"apr_{Guid.NewGuid():N}";
        var reply = await Grain(id).ExecuteAsync(Requester,
            new ApprovalCall.Create(new CreateApprovalRequest { Title = "Rotate the staging password", RiskScore = 10, ExpiresIn = "PT1H", Policy = new PolicyDto(OnExpiry: onExpiry) }),
            CallOptions.None);
        Assert.True(reply.IsSuccess, reply.Error?.Detail);
        return id;
    }

    [StoreFact]
    public async Task ACreateAnnouncedAsNew_SkipsTheActivationsRead_AndAWrongAnnouncementIsCaughtByTheVersionCheck()
    {
        using var conflicts = Collect<long>(StorageMetrics.MeterName, "approvals.storage.conflicts");
        // A row stored under an id whose grain never ran here (as if filed through another node).
        var filed = await CreateAsync();
        var template = (await cluster.Stores.State.LoadApprovalAsync(filed, CancellationToken.None))!.State;
        var taken = $"apr_{Guid.NewGuid():N}";
        var unannounced = $"apr_{Guid.NewGuid():N}";
        foreach (var id in new[] { taken, unannounced })
        {
            Assert.Equal([WriteOutcome.Committed],
                await cluster.Stores.State.SaveAsync([new ApprovalWrite(template with { Id = id, Title = "Filed first" }, 0, [], null)], CancellationToken.None));
        }
        var create = new ApprovalCall.Create(new CreateApprovalRequest { Title = "Filed second", RiskScore = 10, ExpiresIn = "PT1H" });

        // Without the announcement the activation reads the row, and the create is refused without a write.
        var refusedOnRead = await Grain(unannounced).ExecuteAsync(Requester, create, CallOptions.None);
        Assert.Empty(conflicts.GetMeasurementSnapshot());

        // Announced wrongly: the activation reads nothing, so the create writes version 0, loses to the stored row,
        // reads it and is refused the same way. The conflict counted is the proof that the read was skipped.
        NewGrain.Announce(GrainKeys.Approval(_tenant, taken));
        ApprovalReply refusedOnWrite;
        try
        {
            refusedOnWrite = await Grain(taken).ExecuteAsync(Requester, create, CallOptions.None);
        }
        finally
        {
            NewGrain.Forget();
        }

        Assert.Equal(ErrorCodes.ValidationError, refusedOnRead.Error!.Code);
        Assert.Equal(refusedOnRead.Error.Code, refusedOnWrite.Error!.Code);
        Assert.Single(conflicts.GetMeasurementSnapshot());
        var kept = (await cluster.Stores.State.LoadApprovalAsync(taken, CancellationToken.None))!.State;
        Assert.Equal(("Filed first", 1L), (kept.Title, kept.Version));
        Assert.Equal("Filed first", (await Grain(taken).GetAsync(Requester)).Approval!.Title);
        // Final, as every request of this class must end (its clock is moved by other tests).
        foreach (var id in new[] { filed, taken, unannounced })
        {
            Assert.True((await Grain(id).ExecuteAsync(Requester, new ApprovalCall.Cancel(null), CallOptions.None)).IsSuccess);
        }
    }

    [StoreFact]
    public async Task ADecisionWhoseFirstWriteLostARace_IsCountedOnce()
    {
        using var decisions = Collect<long>(ApprovalMetrics.MeterName, "approvals.decisions");
        using var conflicts = Collect<long>(StorageMetrics.MeterName, "approvals.storage.conflicts");
        var id = await CreateAsync();
        // Another node writes version 2 behind the grain's back: the grain's approve loses its first write and decides again.
        var stored = (await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!;
        var extended = stored.State with { ExpiresAt = stored.State.ExpiresAt.AddMinutes(5), Version = 2 };
        Assert.Equal([WriteOutcome.Committed], await cluster.Stores.State.SaveAsync([new ApprovalWrite(extended, 1, [], stored.ChainHead)], CancellationToken.None));

        var approved = await Grain(id).ExecuteAsync(Reviewer, new ApprovalCall.Approve(null), CallOptions.None);
        var again = await Grain(id).ExecuteAsync(Person("user_rev2", "reviewer"), new ApprovalCall.Reject(null), CallOptions.None);

        Assert.Equal(3, approved.Approval!.Version);
        Assert.Equal(ErrorCodes.AlreadyResolved, again.Error!.Code);
        Assert.NotEmpty(conflicts.GetMeasurementSnapshot());
        var counted = Assert.Single(decisions.GetMeasurementSnapshot());
        Assert.Equal(1, counted.Value);
        Assert.Equal("approved", counted.Tags["outcome"]);
    }

    [StoreFact]
    public async Task AnExpiry_IsCountedOnce_WithTheLatenessItWasCommittedWith()
    {
        using var decisions = Collect<long>(ApprovalMetrics.MeterName, "approvals.decisions");
        using var expiries = Collect<long>(ApprovalMetrics.MeterName, "approvals.expired");
        using var lateness = Collect<double>(ApprovalMetrics.MeterName, "approvals.expiry_lateness");
        var id = await CreateAsync();

        cluster.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(7));
        await Eventually.TrueAsync(async () => (await Grain(id).GetAsync(Reviewer)).Approval!.Status == "expired", Deadline, "the request expired");
        // Another deadline check (as a reminder tick or the catch-up makes) and a late decision find it final: neither counts.
        await Grain(id).ApplyDeadlineAsync();
        Assert.Equal(ErrorCodes.AlreadyResolved, (await Grain(id).ExecuteAsync(Reviewer, new ApprovalCall.Approve(null), CallOptions.None)).Error!.Code);

        var state = (await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!.State;
        Assert.Equal("expired", Assert.Single(expiries.GetMeasurementSnapshot()).Tags["outcome"]);
        Assert.Equal("expired", Assert.Single(decisions.GetMeasurementSnapshot()).Tags["outcome"]);
        Assert.Equal((state.DecidedAt!.Value - state.ExpiresAt).TotalSeconds, Assert.Single(lateness.GetMeasurementSnapshot()).Value);
    }

    [StoreFact]
    public async Task AnEscalation_IsAnExpiryButNoDecision_UntilItsSecondDeadline()
    {
        using var decisions = Collect<long>(ApprovalMetrics.MeterName, "approvals.decisions");
        using var expiries = Collect<long>(ApprovalMetrics.MeterName, "approvals.expired");
        var id = await CreateAsync(onExpiry: "escalate");

        cluster.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(async () => (await Grain(id).GetAsync(Reviewer)).Approval!.Version == 2, Deadline, "the request escalated");
        Assert.Equal("escalated", Assert.Single(expiries.GetMeasurementSnapshot()).Tags["outcome"]);
        Assert.Empty(decisions.GetMeasurementSnapshot());

        // The escalation window (an hour by default) passes too: the second deadline ends the request.
        cluster.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(async () => (await Grain(id).GetAsync(Reviewer)).Approval!.Status == "expired", Deadline, "the request expired");
        Assert.Equal(["escalated", "expired"], expiries.GetMeasurementSnapshot().Select(m => (string)m.Tags["outcome"]!));
        Assert.Equal("expired", Assert.Single(decisions.GetMeasurementSnapshot()).Tags["outcome"]);
    }
}

public sealed class SqliteApprovalMetricsTests(SqliteGrainCluster cluster) : ApprovalMetricsTests<SqliteGrainCluster>(cluster);

[RequiresPostgres]
public sealed class PostgresApprovalMetricsTests(PostgresGrainCluster cluster) : ApprovalMetricsTests<PostgresGrainCluster>(cluster);
