using System.Net;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Workflows;

public abstract partial class WorkflowsApiTests<TServer>
{
    [StoreFact]
    public async Task Cancel_WhileWaitingOnAnApproval_CancelsTheWorkflowAndItsApproval()
    {
        var id = Str(await CreateAsync(RemediationPlan()), "id")!;
        var approval = await WaitForFiledApprovalAsync(id);

        var reply = await CancelAsync(id);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("cancelled", Str(reply.Json, "status"));
        Assert.Equal($"\"{reply.Json["version"]!.GetValue<long>()}\"", reply.Header("ETag"));
        var run = History(reply.Json, 0);
        Assert.Equal("cancelled", Str(run, "outcome"));
        Assert.NotNull(run["ended_at"]);
        Assert.Null(reply.Json["pending_approval_id"]);
        await WaitForApprovalStatusAsync(Str(approval, "id")!, "cancelled");
        // Its approval's cancellation does not move the cancelled workflow.
        Assert.Equal("cancelled", Str(await GetAsync(id), "status"));
    }

    [StoreFact]
    public async Task Cancel_Again_IsAConflict()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("build"))), "id")!;
        Assert.Equal(HttpStatusCode.OK, (await CancelAsync(id)).Status);

        var again = await CancelAsync(id);

        AssertProblem(again, HttpStatusCode.Conflict, "already_resolved");
        Assert.Equal("cancelled", Str(await GetAsync(id), "status"));
    }

    [StoreFact]
    public async Task Cancel_ByAnAdmin_IsAllowed_ButNotBySomeoneElse()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("build"))), "id")!;

        AssertProblem(await CancelAsync(id, Reviewer), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("waiting_task", Str(await GetAsync(id), "status"));

        var reply = await CancelAsync(id, Admin);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("cancelled", Str(reply.Json, "status"));
    }

    [StoreFact]
    public async Task Decide_AfterCancel_IsAlreadyResolved_WithTheApprovalCancelled()
    {
        var id = Str(await CreateAsync(RemediationPlan()), "id")!;
        var approval = await WaitForFiledApprovalAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await CancelAsync(id)).Status);

        // Straight after the cancel its approval may still be pending, but a decision never reaches it.
        Assert.Equal(HttpStatusCode.Conflict, (await DecideAsync(id, "approve")).Status);
        await WaitForApprovalStatusAsync(Str(approval, "id")!, "cancelled");
        var decided = AssertProblem(await DecideAsync(id, "approve"), HttpStatusCode.Conflict, "already_resolved");

        Assert.Equal("cancelled", Str(decided, "current_status"));
        Assert.Equal("cancelled", Str(await GetAsync(id), "status"));
    }
}
