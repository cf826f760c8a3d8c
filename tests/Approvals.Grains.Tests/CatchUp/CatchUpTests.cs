using Approvals.Contracts;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Approvals.Grains.Abstractions;
using Approvals.Grains.Tests.Support;
using Approvals.Grains.Workflows;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Grains.Tests.CatchUp;

/// <summary>
/// Deadlines that pass while no silo runs are applied by the start-up catch-up of the next silo, not a reminder
/// period later; subclassed per backend. Each test restarts the class's cluster on the same store.
/// </summary>
/// <remarks>
/// How these tests know it was the catch-up: after the restart nothing calls the grain (a call would activate it,
/// and activation applies a passed deadline by itself), the fake grain clock stands still (so no grain timer fires),
/// and the reminder was registered to tick when the deadline came, an hour of real time after the registration (its
/// service runs on the real clock). Only the catch-up can drive the grain within the wait, which is generous for a
/// loaded machine and far below that hour.
/// </remarks>
public abstract class CatchUpTests<TCluster>(TCluster cluster) : IClassFixture<TCluster> where TCluster : GrainCluster
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PastTheHour = TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1);

    private readonly string _tenant = $"t_{Guid.NewGuid():N}";

    private Caller Ops => new(CallerKind.Person, "ops-bot", null, _tenant, ["requester"], [], null);

    private Caller Reviewer => new(CallerKind.Person, "user_rev", null, _tenant, ["reviewer"], [], null);

    private IApprovalGrain Approval(string id) => cluster.Grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(_tenant, id));

    private IWorkflowGrain Workflow(string id) => cluster.Grains.GetGrain<IWorkflowGrain>(GrainKeys.Workflow(_tenant, id));

    private IDueWorkStore DueWork => cluster.Stores.DueWork;

    /// <summary>review (approval), then, after <paramref name="delay"/>, execute (task).</summary>
    private static CreateWorkflowRequest ReviewThenExecute(string? delay) => new()
    {
        Name = "remediate-disk-full",
        Steps =
        [
            new WorkflowStepDto
            {
                Id = "review", Type = "approval", OnSuccess = "execute", DelayToNextStep = delay,
                Approval = new CreateApprovalRequest { Title = "Free disk on db-7", RiskScore = 30, ExpiresIn = "P1D" },
            },
            new WorkflowStepDto { Id = "execute", Type = "task" },
        ],
    };

    private async Task<(string Id, WorkflowDto Started)> StartAsync(CreateWorkflowRequest plan)
    {
        var id = $"wf_{Guid.NewGuid():N}";
        var reply = await Workflow(id).ExecuteAsync(Ops, new WorkflowCall.Start(plan), CallOptions.None);
        Assert.True(reply.IsSuccess, reply.Error?.Detail);
        return (id, reply.Workflow!);
    }

    [StoreFact]
    public async Task DeadlinesThatPassWhileTheOnlySiloIsDown_AreAppliedByTheNextSilosCatchUp()
    {
        // More than a page of them (the test cluster reads two at a time), all past due at the restart.
        var ids = Enumerable.Range(0, 5).Select(_ => $"apr_{Guid.NewGuid():N}").ToList();
        foreach (var id in ids)
        {
            var created = await Approval(id).ExecuteAsync(Ops,
                new ApprovalCall.Create(new CreateApprovalRequest { Title = "Rotate the staging password", RiskScore = 10, ExpiresIn = "PT1H" }), CallOptions.None);
            Assert.True(created.IsSuccess, created.Error?.Detail);
        }

        await cluster.RestartAsync(whileDown: () => cluster.Clock.Advance(PastTheHour));

        // Read from the store, behind the grains' backs: calling a grain would apply its deadline on activation.
        foreach (var id in ids)
        {
            await Eventually.TrueAsync(async () => (await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!.State.Status == ApprovalStatus.Expired,
                Deadline, $"the catch-up expired {id}");
            Assert.Single(await cluster.Stores.Events.ReadSubjectAsync(id, CancellationToken.None), e => e.Type == EventTypes.ApprovalExpired);
        }
        Assert.Empty(await DueWork.ReadOverdueApprovalsAsync(cluster.Clock.GetUtcNow(), 100, null, CancellationToken.None));
    }

    [StoreFact]
    public async Task ADelayThatEndsWhileTheOnlySiloIsDown_EndsByTheNextSilosCatchUp()
    {
        var (id, started) = await StartAsync(ReviewThenExecute(delay: "PT1H"));
        Assert.True((await Approval(started.PendingApprovalId!).ExecuteAsync(Reviewer, new ApprovalCall.Approve("go"), CallOptions.None)).IsSuccess);
        // The approval tells its run one-way: wait until the run has committed its delay.
        await Eventually.TrueAsync(async () => (await cluster.Stores.State.LoadWorkflowAsync(id, CancellationToken.None))!.State.Status == WorkflowStatus.Delayed,
            Deadline, "the run is delayed");
        // The run has its decision, so the decision dispatcher (the notice's backstop, which follows the log) owes it
        // nothing: mark it caught up, as it is in a steady state, or the next silo's dispatcher would deliver the
        // decision again and so activate the run, which would end its delay without any catch-up.
        var latest = await cluster.Stores.Audit.LatestSeqAsync(CancellationToken.None);
        await cluster.Stores.Checkpoints.SaveCheckpointAsync(DecisionDispatcher.Consumer, latest, CancellationToken.None);

        await cluster.RestartAsync(whileDown: () => cluster.Clock.Advance(PastTheHour));

        await Eventually.TrueAsync(async () => (await cluster.Stores.State.LoadWorkflowAsync(id, CancellationToken.None))!.State.Status == WorkflowStatus.WaitingTask,
            Deadline, "the catch-up ended the delay and the run went on to its task");
        Assert.Equal("execute", (await cluster.Stores.State.LoadWorkflowAsync(id, CancellationToken.None))!.State.CurrentStep);
        Assert.DoesNotContain(await DueWork.ReadDueWorkflowsAsync(cluster.Clock.GetUtcNow(), 100, null, CancellationToken.None), d => d.Id == id);
    }

    [StoreFact]
    public async Task ARunWaitingOnTheApprovalItFiled_IsNotDue_SoNoCatchUpVisitsIt()
    {
        var (id, started) = await StartAsync(ReviewThenExecute(delay: null));

        // Its state still holds the filing (until the next transition); the effect was recorded done once carried out.
        var stored = (await cluster.Stores.State.LoadWorkflowAsync(id, CancellationToken.None))!.State;
        Assert.IsType<WorkflowEffect.FileApproval>(stored.PendingEffect);
        Assert.True((await Approval(started.PendingApprovalId!).GetAsync(Reviewer)).IsSuccess);
        Assert.DoesNotContain(await DueWork.ReadDueWorkflowsAsync(cluster.Clock.GetUtcNow(), 100, null, CancellationToken.None), d => d.Id == id);
    }
}

public sealed class SqliteCatchUpTests(SqliteGrainCluster cluster) : CatchUpTests<SqliteGrainCluster>(cluster);

[RequiresPostgres]
public sealed class PostgresCatchUpTests(PostgresGrainCluster cluster) : CatchUpTests<PostgresGrainCluster>(cluster);
