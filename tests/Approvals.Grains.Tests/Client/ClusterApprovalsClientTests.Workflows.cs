using System.Net;
using System.Text.Json;
using Approvals.Client;
using Approvals.Client.Cluster;
using Approvals.Contracts;
using Approvals.Testing;
using Approvals.Testing.Storage;

namespace Approvals.Grains.Tests.Client;

/// <summary>Workflows through the in-cluster client: what the workflow calls of API.md do, with no HTTP.</summary>
public abstract partial class ClusterApprovalsClientTests<TCluster>
{
    private ClusterApprovalsClient Ops => ClientAs(Person("ops-bot", "requester"));

    /// <summary>review (approval) → execute (task) on success, notify (task) on failure.</summary>
    private static CreateWorkflowRequest Remediation() => new()
    {
        Name = "remediate-disk-full",
        Input = TestWorkflows.Json("""{"host":"db-7"}"""),
        Steps =
        [
            new WorkflowStepDto
            {
                Id = "review", Type = "approval", OnSuccess = "execute", OnFailure = "notify",
                Approval = new CreateApprovalRequest { Title = "Free disk on db-7", RiskScore = 30, ExpiresIn = "PT1H" },
            },
            new WorkflowStepDto { Id = "execute", Type = "task", OnFailure = "notify" },
            new WorkflowStepDto { Id = "notify", Type = "task" },
        ],
    };

    /// <summary>One task step and nothing after it: a run that never waits on an approval.</summary>
    private static CreateWorkflowRequest TaskOnly() => new()
    {
        Name = "rotate-logs",
        Steps = [new WorkflowStepDto { Id = "rotate", Type = "task" }],
    };

    private async Task<WorkflowDto> WorkflowWhenAsync(string id, Func<WorkflowDto, bool> condition, string what)
    {
        WorkflowDto? seen = null;
        await Eventually.TrueAsync(async () => condition(seen = await Ops.GetWorkflowAsync(id)), Hang, what);
        return seen!;
    }

    [StoreFact]
    public async Task AWorkflow_RunsToTheEnd_ThroughTheClient()
    {
        var started = await Ops.CreateWorkflowAsync(Remediation());
        Assert.StartsWith("wf_", started.Id);
        Assert.Equal("waiting_approval", started.Status);

        // Read as GET /v1/workflows/{id}: with the approval it waits on embedded.
        var waiting = await Reviewer.GetWorkflowAsync(started.Id);
        var approval = Assert.Single(waiting.Approvals);
        Assert.Equal((waiting.PendingApprovalId, "pending", started.Id), (approval.Id, approval.Status, approval.WorkflowId));

        var decided = await Reviewer.ApproveWorkflowAsync(started.Id, "go ahead");
        Assert.Equal((approval.Id, "approved", "go ahead"), (decided.Id, decided.Status, decided.DecisionNote));

        var ready = await WorkflowWhenAsync(started.Id, w => w.Status == "waiting_task", "the run moved on to execute");
        Assert.Equal("execute", ready.CurrentStep);
        Assert.Empty(ready.Approvals);

        var done = await Ops.CompleteTaskAsync(started.Id, "execute", TestWorkflows.Json("""{"freed_gb":40}"""));
        Assert.Equal("completed", done.Status);
        Assert.Equal(40, done.History.Single(r => r.Step == "execute").Output!["freed_gb"]!.GetValue<int>());
    }

    [StoreFact]
    public async Task ARejection_ThroughTheWorkflow_TakesTheFailureBranch_AndAFailedTaskEndsIt()
    {
        var started = await Ops.CreateWorkflowAsync(Remediation());

        var rejected = await Reviewer.RejectWorkflowAsync(started.Id, "not now");
        Assert.Equal("rejected", rejected.Status);
        var notify = await WorkflowWhenAsync(started.Id, w => w.CurrentStep == "notify" && w.Status == "waiting_task", "the run took the failure branch");

        var failed = await Ops.FailTaskAsync(notify.Id, "notify", "pager down");
        Assert.Equal("failed", failed.Status);
        Assert.Equal("pager down", failed.History[^1].Error);
    }

    [StoreFact]
    public async Task CancelWorkflow_CancelsTheApprovalItWaitsOn()
    {
        var started = await Ops.CreateWorkflowAsync(Remediation());

        var cancelled = await Ops.CancelWorkflowAsync(started.Id, "host replaced", new WriteOptions { IfMatch = started.Version });

        Assert.Equal("cancelled", cancelled.Status);
        Assert.Equal("cancelled", (await Reviewer.GetStatusAsync(started.PendingApprovalId!)).Status);
    }

    [StoreFact]
    public async Task ADecision_ThroughARunThatWaitsOnNoApproval_IsRefused_AsTheGatewayRefusesIt()
    {
        var started = await Ops.CreateWorkflowAsync(Remediation());
        await Reviewer.ApproveWorkflowAsync(started.Id);
        var taskOnly = await Ops.CreateWorkflowAsync(TaskOnly());
        var another = await Ops.CreateWorkflowAsync(Remediation());

        // Once the decision reached the run (or before): the approval's own answer, 409 already_resolved with its status.
        var again = await Assert.ThrowsAsync<ApprovalsApiException>(() => ClientAs(Person("user_rev2", "reviewer")).RejectWorkflowAsync(started.Id));
        var never = await Assert.ThrowsAsync<ApprovalsApiException>(() => Reviewer.ApproveWorkflowAsync(taskOnly.Id));
        var missing = await Assert.ThrowsAsync<ApprovalsApiException>(() => Reviewer.ApproveWorkflowAsync("wf_missing"));
        var key = await Assert.ThrowsAsync<ApprovalsApiException>(() => ClientAs(Key("workflows:write", "workflows:read")).ApproveWorkflowAsync(another.Id));

        Assert.Equal((HttpStatusCode.Conflict, ErrorCodes.AlreadyResolved, ApprovalStatus.Approved), (again.Status, again.Code, again.CurrentStatus));
        Assert.Equal((HttpStatusCode.Conflict, ErrorCodes.InvalidState), (never.Status, never.Code));
        Assert.Equal((HttpStatusCode.NotFound, ErrorCodes.NotFound), (missing.Status, missing.Code));
        Assert.Equal((HttpStatusCode.Forbidden, ErrorCodes.Forbidden), (key.Status, key.Code));
    }

    [StoreFact]
    public async Task ATaskOutputTheGatewayRefuses_IsRefused_BeforeItReachesTheRun()
    {
        var started = await Ops.CreateWorkflowAsync(TaskOnly());
        var deep = TestWorkflows.Json(string.Concat(Enumerable.Repeat("[", 40)) + string.Concat(Enumerable.Repeat("]", 40)));

        var refused = await Assert.ThrowsAsync<ApprovalsApiException>(() => Ops.CompleteTaskAsync(started.Id, "rotate", deep));

        Assert.Equal((HttpStatusCode.BadRequest, ErrorCodes.ValidationError), (refused.Status, refused.Code));
        Assert.True(refused.Errors.ContainsKey("output"));
        Assert.Equal("waiting_task", (await Ops.GetWorkflowAsync(started.Id)).Status);
    }

    [StoreFact]
    public async Task ListWorkflows_PagesAndFilters_WithTheApprovalsTheyWaitOn()
    {
        var waiting = new List<WorkflowDto>();
        for (var i = 0; i < 3; i++)
        {
            cluster.Clock.Advance(TimeSpan.FromSeconds(1));
            waiting.Add(await Ops.CreateWorkflowAsync(Remediation()));
        }
        cluster.Clock.Advance(TimeSpan.FromSeconds(1));
        var task = await Ops.CreateWorkflowAsync(TaskOnly());

        var page = await Reviewer.ListWorkflowsPageAsync(new WorkflowListQuery { Status = "waiting_approval", PageSize = 2 });
        var all = await Reviewer.ListWorkflowsAsync(new WorkflowListQuery { PageSize = 2 }).ToListAsync();
        var bad = await Assert.ThrowsAsync<ApprovalsApiException>(() => Reviewer.ListWorkflowsPageAsync(new WorkflowListQuery { Status = "sleeping" }));
        var unreadable = await Assert.ThrowsAsync<ApprovalsApiException>(() => ClientAs(Key("approvals:read")).ListWorkflowsPageAsync());

        Assert.Equal([waiting[2].Id, waiting[1].Id], page.Data.Select(w => w.Id));
        Assert.All(page.Data, w => Assert.Equal(w.PendingApprovalId, Assert.Single(w.Approvals).Id));
        Assert.NotNull(page.NextCursor);
        Assert.Equal([task.Id, waiting[2].Id, waiting[1].Id, waiting[0].Id], all.Select(w => w.Id));
        Assert.True(bad.Errors.ContainsKey("status"));
        Assert.Equal("Reading workflows needs a role or the workflows:read scope.", unreadable.Detail);
    }
}
