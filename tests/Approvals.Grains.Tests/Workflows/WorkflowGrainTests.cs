using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Approvals.Grains.Tests.Support;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Grains.Tests.Workflows;

/// <summary>Workflow runs through the grains: filing, deciding, delays, tasks and cancelling are grain-to-grain calls; subclassed per backend.</summary>
public abstract class WorkflowGrainTests<TCluster>(TCluster cluster) : IClassFixture<TCluster> where TCluster : GrainCluster
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly string _tenant = $"t_{Guid.NewGuid():N}";

    private Caller Ops => new(CallerKind.Person, "ops-bot", null, _tenant, ["requester"], [], null);

    private Caller Reviewer => new(CallerKind.Person, "user_rev", null, _tenant, ["reviewer"], [], null);

    private IWorkflowGrain Workflow(string id) => cluster.Grains.GetGrain<IWorkflowGrain>(GrainKeys.Workflow(_tenant, id));

    private IApprovalGrain Approval(string id) => cluster.Grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(_tenant, id));

    /// <summary>review (approval) → execute (task) on success, notify (task) on failure.</summary>
    private static CreateWorkflowRequest Remediation(string? delay = null) => new()
    {
        Name = "remediate-disk-full",
        Steps =
        [
            new WorkflowStepDto
            {
                Id = "review", Type = "approval", OnSuccess = "execute", OnFailure = "notify", DelayToNextStep = delay,
                Approval = new CreateApprovalRequest { Title = "Free disk on db-7", RiskScore = 30, ExpiresIn = "PT1H" },
            },
            new WorkflowStepDto { Id = "execute", Type = "task", OnFailure = "notify" },
            new WorkflowStepDto { Id = "notify", Type = "task" },
        ],
    };

    private async Task<(string Id, WorkflowDto Started)> StartAsync(CreateWorkflowRequest plan)
    {
        var id = $"wf_{Guid.NewGuid():N}";
        var reply = await Workflow(id).ExecuteAsync(Ops, new WorkflowCall.Start(plan), CallOptions.None);
        Assert.True(reply.IsSuccess, reply.Error?.Detail);
        return (id, reply.Workflow!);
    }

    private async Task<WorkflowDto> WaitForAsync(string id, Func<WorkflowDto, bool> condition, string what)
    {
        WorkflowDto? seen = null;
        await Eventually.TrueAsync(async () => condition(seen = (await Workflow(id).GetAsync(Ops)).Workflow!), Deadline, what);
        return seen!;
    }

    [StoreFact]
    public async Task AnApprovalStep_FilesItsRequest_AndTheDecisionMovesTheRunOn()
    {
        var (id, started) = await StartAsync(Remediation());
        Assert.Equal("waiting_approval", started.Status);
        var approvalId = started.PendingApprovalId!;

        var filed = await Approval(approvalId).GetAsync(Reviewer);
        Assert.Equal(id, filed.Approval!.WorkflowId);
        Assert.Equal("ops-bot", filed.Approval.RequestedBy);

        Assert.True((await Approval(approvalId).ExecuteAsync(Reviewer, new ApprovalCall.Approve("go"), CallOptions.None)).IsSuccess);

        var moved = await WaitForAsync(id, w => w.Status == "waiting_task", "the run moved to execute");
        Assert.Equal("execute", moved.CurrentStep);

        var done = await Workflow(id).ExecuteAsync(Ops, new WorkflowCall.ReportTask("execute", true, "{\"freed_gb\":40}", null), CallOptions.None);
        Assert.Equal("completed", done.Workflow!.Status);
    }

    [StoreFact]
    public async Task ARejection_TakesTheFailureBranch()
    {
        var (id, started) = await StartAsync(Remediation());

        await Approval(started.PendingApprovalId!).ExecuteAsync(Reviewer, new ApprovalCall.Reject("not now"), CallOptions.None);

        var moved = await WaitForAsync(id, w => w.CurrentStep == "notify", "the run took its failure branch");
        Assert.Equal("waiting_task", moved.Status);
    }

    [StoreFact]
    public async Task ADelayAfterApproval_EndsWhenGrainTimePassesIt()
    {
        var (id, started) = await StartAsync(Remediation(delay: "PT30M"));
        await Approval(started.PendingApprovalId!).ExecuteAsync(Reviewer, new ApprovalCall.Approve(null), CallOptions.None);
        await WaitForAsync(id, w => w.Status == "delayed", "the run waits out its delay");

        cluster.Clock.Advance(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));

        var moved = await WaitForAsync(id, w => w.Status == "waiting_task", "the delay ended");
        Assert.Equal("execute", moved.CurrentStep);
    }

    [StoreFact]
    public async Task CancellingTheRun_CancelsTheApprovalItWaitsOn()
    {
        var (id, started) = await StartAsync(Remediation());

        var cancelled = await Workflow(id).ExecuteAsync(Ops, new WorkflowCall.Cancel("no longer needed"), CallOptions.None);

        Assert.Equal("cancelled", cancelled.Workflow!.Status);
        var approval = await Approval(started.PendingApprovalId!).GetAsync(Reviewer);
        Assert.Equal("cancelled", approval.Approval!.Status);
        // The approval's own notice comes back to a run that is already final, and changes nothing.
        Assert.Equal(cancelled.Workflow.Version, (await Workflow(id).GetAsync(Ops)).Workflow!.Version);
    }

    [StoreFact]
    public async Task ATaskThatOutlivesItsTimeout_TakesTheFailureBranch_WhenGrainTimePassesIt()
    {
        var plan = new CreateWorkflowRequest
        {
            Name = "build-then-notify",
            Steps =
            [
                new WorkflowStepDto { Id = "build", Type = "task", Timeout = "PT10M", OnFailure = "notify" },
                new WorkflowStepDto { Id = "notify", Type = "task" },
            ],
        };
        var (id, started) = await StartAsync(plan);
        Assert.Equal("waiting_task", started.Status);

        cluster.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        var moved = await WaitForAsync(id, w => w.CurrentStep == "notify", "the timed-out task took its failure branch");
        Assert.Equal("timed_out", moved.History[0].Outcome);
    }

    [StoreFact]
    public async Task ADecisionNoGrainReported_ReachesTheRunThroughTheEventLog()
    {
        var (id, started) = await StartAsync(Remediation());
        var approvalId = started.PendingApprovalId!;

        // Decided behind the grains' backs, straight in the store: no grain sends the one-way notice, so
        // only the decision dispatcher, following the event log, can tell the run.
        var stored = (await cluster.Stores.State.LoadApprovalAsync(approvalId, CancellationToken.None))!;
        var now = cluster.Clock.GetUtcNow();
        var reviewer = Principal.Person("user_rev", null, ["reviewer"], _tenant);
        var transition = ApprovalStateMachine.Decide(stored.State, new ApprovalCommand.Approve(reviewer, "out of band"), now, new ApprovalOptions()).Value!;
        var chain = stored.ChainHead;
        var events = transition.Events.Select(e =>
        {
            var sealedEvent = EventHasher.Seal(Ids.New("evt", now), e, _tenant, approvalId, now, chain);
            chain = sealedEvent.Hash;
            return sealedEvent;
        }).ToList();
        var outcome = await cluster.Stores.State.SaveAsync([new ApprovalWrite(transition.State, stored.State.Version, events, stored.ChainHead)], CancellationToken.None);
        Assert.Equal(WriteOutcome.Committed, outcome[0]);

        var moved = await WaitForAsync(id, w => w.Status == "waiting_task", "the dispatcher delivered the decision");
        Assert.Equal("execute", moved.CurrentStep);
    }
}

public sealed class SqliteWorkflowGrainTests(SqliteGrainCluster cluster) : WorkflowGrainTests<SqliteGrainCluster>(cluster);

[RequiresPostgres]
public sealed class PostgresWorkflowGrainTests(PostgresGrainCluster cluster) : WorkflowGrainTests<PostgresGrainCluster>(cluster);
