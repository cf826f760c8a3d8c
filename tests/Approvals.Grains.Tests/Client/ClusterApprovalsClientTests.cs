using System.Collections.Concurrent;
using System.Net;
using Approvals.Client;
using Approvals.Client.Cluster;
using Approvals.Contracts;
using Approvals.Grains.Abstractions;
using Approvals.Grains.Tests.Support;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Grains.Tests.Client;

/// <summary>
/// The in-cluster client against a test cluster, through the cluster's external Orleans client: its calls are the
/// grains' own (through the silo's query and command grains), its waits are woken by a grain observer. One suite in
/// several files by area (waits and refusals here; errors, workflows, bulk, lists and idempotency beside it), on one
/// cluster per backend; every test works in a tenant of its own. Every wait has a generous bound that only stops a
/// broken test from hanging; no test sleeps or asserts a duration.
/// </summary>
public abstract partial class ClusterApprovalsClientTests<TCluster>(TCluster cluster) : IClassFixture<TCluster>
    where TCluster : GrainCluster
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);
    // Far longer than any test: a wait that returns was woken by its observer, not by a renewal's re-read.
    private static readonly TimeSpan NoRenewal = TimeSpan.FromHours(1);

    private readonly string _tenant = $"t_{Guid.NewGuid():N}";

    private Caller Person(string id, params string[] roles) => new(CallerKind.Person, id, id, _tenant, roles, [], 3);

    private Caller Key(params string[] scopes) => new(CallerKind.Key, "key_1", "deploy bot", _tenant, [], scopes, null);

    private ClusterApprovalsClient ClientAs(Caller caller, TimeSpan? resubscribe = null) =>
        new(cluster.Grains, caller, resubscribe ?? NoRenewal);

    private ClusterApprovalsClient Requester => ClientAs(Person("user_req", "requester"));

    private ClusterApprovalsClient Reviewer => ClientAs(Person("user_rev", "reviewer"));

    private static CreateApprovalRequest Request(string title = "restart db-7") =>
        new() { Title = title, RiskScore = 60, ExpiresIn = "PT24H" };

    [StoreFact]
    public async Task AnApproval_WakesWaitForDecision_ThroughTheObserver()
    {
        var requester = ClientAs(Person("user_req", "requester"));
        var reviewer = ClientAs(Person("user_rev", "reviewer"));
        var activity = new ConcurrentQueue<ObserverActivity>();
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        requester.ObserverActivity += a =>
        {
            activity.Enqueue(a);
            if (a.Kind == ObserverActivityKind.Subscribed)
            {
                subscribed.TrySetResult();
            }
        };
        var created = await requester.CreateAsync(Request());
        Assert.Equal("pending", created.Status);

        var wait = requester.WaitForDecisionAsync(created.Id, NoRenewal);
        await subscribed.Task.WaitAsync(Hang);
        Assert.False(wait.IsCompleted);
        var approved = await reviewer.ApproveAsync(created.Id, "go");

        var status = await wait.WaitAsync(Hang);
        Assert.Equal("approved", status.Status);
        Assert.Equal(approved.Version, status.Version);
        Assert.Equal("user_rev", status.DecidedBy);
        Assert.Contains(new ObserverActivity(created.Id, ObserverActivityKind.Notified), activity);
        Assert.DoesNotContain(new ObserverActivity(created.Id, ObserverActivityKind.FellBack), activity);
    }

    [StoreFact]
    public async Task ARejection_EndsTheWait_WithRejected()
    {
        var requester = ClientAs(Person("user_req", "requester"));
        var reviewer = ClientAs(Person("user_rev", "reviewer"));
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        requester.ObserverActivity += a =>
        {
            if (a.Kind == ObserverActivityKind.Subscribed)
            {
                subscribed.TrySetResult();
            }
        };
        var created = await requester.CreateAsync(Request());
        var wait = requester.WaitForDecisionAsync(created.Id, NoRenewal);
        await subscribed.Task.WaitAsync(Hang);
        await reviewer.RejectAsync(created.Id, "not now");
        Assert.Equal("rejected", (await wait.WaitAsync(Hang)).Status);
    }

    [StoreFact]
    public async Task AnAlreadyDecidedRequest_ReturnsAtOnce()
    {
        var requester = ClientAs(Person("user_req", "requester"));
        var created = await requester.CreateAsync(Request());
        await ClientAs(Person("user_rev", "reviewer")).ApproveAsync(created.Id);
        Assert.Equal("approved", (await requester.WaitForDecisionAsync(created.Id, NoRenewal).WaitAsync(Hang)).Status);
    }

    [StoreFact]
    public async Task AnApiKey_NeverDecides_AndTheRequestStaysPending()
    {
        var requester = ClientAs(Person("user_req", "requester"));
        var created = await requester.CreateAsync(Request());
        var key = ClientAs(Key("approvals:create", "approvals:read"));

        var approve = await Assert.ThrowsAsync<ApprovalsApiException>(() => key.ApproveAsync(created.Id, "bot says yes"));
        var reject = await Assert.ThrowsAsync<ApprovalsApiException>(() => key.RejectAsync(created.Id, "bot says no"));

        Assert.Equal(ErrorCodes.Forbidden, approve.Code);
        Assert.Equal(HttpStatusCode.Forbidden, reject.Status);
        Assert.Equal("pending", (await requester.GetStatusAsync(created.Id)).Status);
    }

    [StoreFact]
    public async Task ARefusal_IsAnApiException_WithTheApiCode()
    {
        var requester = ClientAs(Person("user_req", "requester"));
        var created = await requester.CreateAsync(Request());
        var reviewer = ClientAs(Person("user_rev", "reviewer"));
        await reviewer.ApproveAsync(created.Id);

        var again = await Assert.ThrowsAsync<ApprovalsApiException>(() => reviewer.RejectAsync(created.Id));
        var outsider = new ClusterApprovalsClient(cluster.Grains, new Caller(CallerKind.Person, "user_out", null, "other-tenant", ["admin"], [], null), NoRenewal);
        var missing = await Assert.ThrowsAsync<ApprovalsApiException>(() => outsider.WaitForDecisionAsync(created.Id, NoRenewal));

        Assert.Contains(again.Code, new[] { ErrorCodes.AlreadyResolved, ErrorCodes.AlreadyDecided });
        Assert.Equal(ErrorCodes.NotFound, missing.Code);
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
    }
}

public sealed class SqliteClusterApprovalsClientTests(SqliteGrainCluster cluster) : ClusterApprovalsClientTests<SqliteGrainCluster>(cluster);

[RequiresPostgres]
public sealed class PostgresClusterApprovalsClientTests(PostgresGrainCluster cluster) : ClusterApprovalsClientTests<PostgresGrainCluster>(cluster);
