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
/// The in-cluster client when the cluster cannot be reached: its calls fail as the gateway's would, 503 <c>busy</c>
/// (retry), not with Orleans' own exceptions. On a cluster of the class's own, whose silo each test stops.
/// </summary>
public abstract class ClusterUnreachableTests<TCluster>(TCluster cluster) : IClassFixture<TCluster>
    where TCluster : GrainCluster
{
    private readonly Caller _requester = new(CallerKind.Person, "user_req", "user_req", $"t_{Guid.NewGuid():N}", ["requester"], [], 3);

    [StoreFact]
    public async Task CallsWhileNoSiloRuns_AreRefused503Busy_WithTheOrleansFailureInside()
    {
        var client = new ClusterApprovalsClient(cluster.Grains, _requester, TimeSpan.FromHours(1));
        var created = await client.CreateAsync(new CreateApprovalRequest { Title = "restart db-7", ExpiresIn = "PT1H" });

        // The silo only: the client stays, with no gateway left to reach.
        await cluster.Cluster.StopSiloAsync(cluster.Cluster.Silos[0]);
        try
        {
            foreach (var call in new Func<Task>[]
            {
                () => client.GetAsync(created.Id),
                () => client.ApproveAsync(created.Id),
                () => client.CreateAsync(new CreateApprovalRequest { Title = "restart db-8", ExpiresIn = "PT1H" }),
                () => client.WaitForDecisionAsync(created.Id, TimeSpan.FromSeconds(1)),
            })
            {
                var refused = await Assert.ThrowsAsync<ApprovalsApiException>(call);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
                Assert.Equal(ErrorCodes.Busy, refused.Code);
                Assert.Equal(ApiProblems.Of(ErrorCodes.Busy, refused.Detail), refused.Problem);
                Assert.NotNull(ClusterFailures.ToProblem(refused.InnerException!));
            }
        }
        finally
        {
            await cluster.Cluster.StopClusterClientAsync();
            await cluster.Cluster.StartAdditionalSiloAsync();
            await cluster.Cluster.InitializeClientAsync();
        }
    }
}

public sealed class SqliteClusterUnreachableTests(SqliteGrainCluster cluster) : ClusterUnreachableTests<SqliteGrainCluster>(cluster);

[RequiresPostgres]
public sealed class PostgresClusterUnreachableTests(PostgresGrainCluster cluster) : ClusterUnreachableTests<PostgresGrainCluster>(cluster);
