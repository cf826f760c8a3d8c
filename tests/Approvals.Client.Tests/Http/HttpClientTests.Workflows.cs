using System.Net;
using Approvals.Contracts;
using Approvals.Testing;
using Approvals.Testing.Storage;

namespace Approvals.Client.Tests.Http;

public abstract partial class HttpClientTests<TServer>
{
    private static CreateWorkflowRequest Remediation(string name = "remediate-disk-full") => new()
    {
        Name = name,
        Input = TestWorkflows.Json("""{"host":"db-7"}"""),
        Steps =
        [
            new WorkflowStepDto { Id = "review", Type = "approval", Approval = Request("Free disk on db-7"), OnSuccess = "execute" },
            new WorkflowStepDto { Id = "execute", Type = "task", Timeout = "PT1H" },
        ],
    };

    private static CreateWorkflowRequest TaskOnly(string name) => new()
    {
        Name = name,
        Steps = [new WorkflowStepDto { Id = "build", Type = "task" }],
    };

    /// <summary>The workflow once <paramref name="condition"/> holds (its approval is filed, a decision reached it, …).</summary>
    private static async Task<WorkflowDto> EventuallyAsync(IApprovalsClient client, string id, Func<WorkflowDto, bool> condition, string what)
    {
        WorkflowDto? seen = null;
        await Eventually.TrueAsync(async () => condition(seen = await client.GetWorkflowAsync(id)), Deadline, what);
        return seen!;
    }

    [StoreFact]
    public async Task Workflow_ApprovedThroughTheWorkflow_RunsItsTask_AndCompletes()
    {
        var ops = ClientFor(Requester);
        var reviewer = ClientFor(Reviewer);

        var started = await ops.CreateWorkflowAsync(Remediation());
        var waiting = await EventuallyAsync(ops, started.Id, w => w is { Status: "waiting_approval", PendingApprovalId: not null }, "the review to be filed");
        var listed = await ops.ListWorkflowsAsync(new WorkflowListQuery { Status = "waiting_approval" }).ToListAsync();
        var approval = await reviewer.ApproveWorkflowAsync(started.Id, "go ahead");
        var ready = await EventuallyAsync(ops, started.Id, w => w.Status == "waiting_task", "the approval to reach the workflow");
        var done = await ops.CompleteTaskAsync(started.Id, "execute", TestWorkflows.Json("""{"freed_gb":40}"""), new WriteOptions { IfMatch = ready.Version });

        Assert.StartsWith("wf_", started.Id, StringComparison.Ordinal);
        Assert.Equal(waiting.PendingApprovalId, Assert.Single(waiting.Approvals).Id);
        Assert.Equal([started.Id], listed.Select(w => w.Id));
        Assert.Equal(Assert.Single(listed).PendingApprovalId, approval.Id);
        Assert.Equal(("approved", started.Id, "review"), (approval.Status, approval.WorkflowId, approval.WorkflowStep));
        Assert.Equal("execute", ready.CurrentStep);
        Assert.Equal("completed", done.Status);
        Assert.Equal(40, done.History.Single(r => r.Step == "execute").Output!["freed_gb"]!.GetValue<int>());
    }

    [StoreFact]
    public async Task Workflow_RejectedThroughTheWorkflow_Fails()
    {
        var ops = ClientFor(Requester);
        var started = await ops.CreateWorkflowAsync(Remediation());
        await EventuallyAsync(ops, started.Id, w => w.PendingApprovalId is not null, "the review to be filed");

        var rejected = await ClientFor(Reviewer).RejectWorkflowAsync(started.Id, "not now");
        var failed = await EventuallyAsync(ops, started.Id, w => w.Status == "failed", "the rejection to reach the workflow");

        Assert.Equal(("rejected", "not now"), (rejected.Status, rejected.DecisionNote));
        Assert.Equal(("failed", rejected.Id), (failed.History.Single(r => r.Step == "review").Outcome, failed.History.Single(r => r.Step == "review").ApprovalId));
    }

    [StoreFact]
    public async Task Workflow_TaskFailure_And_Cancel_EndTheWorkflow()
    {
        var ops = ClientFor(Requester);
        var failing = await ops.CreateWorkflowAsync(TaskOnly("fails"));
        var cancelling = await ops.CreateWorkflowAsync(TaskOnly("cancelled"));

        var failed = await ops.FailTaskAsync(failing.Id, "build", "disk full");
        var stale = await Assert.ThrowsAsync<ApprovalsApiException>(() => ops.CancelWorkflowAsync(cancelling.Id, "stale", new WriteOptions { IfMatch = cancelling.Version + 5 }));
        var cancelled = await ops.CancelWorkflowAsync(cancelling.Id, "no longer needed", new WriteOptions { IfMatch = cancelling.Version });
        var again = await Assert.ThrowsAsync<ApprovalsApiException>(() => ops.CompleteTaskAsync(cancelling.Id, "build"));

        Assert.Equal("failed", failed.Status);
        Assert.Equal("disk full", Assert.Single(failed.History).Error);
        Assert.Equal((HttpStatusCode.PreconditionFailed, ErrorCodes.PreconditionFailed), (stale.Status, stale.Code));
        Assert.Equal("cancelled", cancelled.Status);
        Assert.Equal("cancelled", (await ops.GetWorkflowAsync(cancelling.Id)).Status);
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
    }
}
