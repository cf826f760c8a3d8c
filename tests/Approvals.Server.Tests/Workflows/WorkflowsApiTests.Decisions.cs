using System.Net;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Workflows;

public abstract partial class WorkflowsApiTests<TServer>
{
    [StoreFact]
    public async Task Approve_ThroughTheWorkflow_DecidesItsApproval_AndMovesToOnSuccess()
    {
        var id = Str(await CreateAsync(RemediationPlan()), "id")!;
        var approval = await WaitForFiledApprovalAsync(id);

        var reply = await DecideAsync(id, "approve", note: "go ahead");

        // The answer is the decided approval, as the approval calls give it.
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(Str(approval, "id"), Str(reply.Json, "id"));
        Assert.Equal("approved", Str(reply.Json, "status"));
        Assert.Equal("bob", Str(reply.Json, "decided_by"));
        Assert.Equal("go ahead", Str(reply.Json, "decision_note"));
        Assert.Equal($"\"{reply.Json["version"]!.GetValue<long>()}\"", reply.Header("ETag"));

        var workflow = await WaitForStatusAsync(id, "waiting_task", "execute");
        var review = History(workflow, 0);
        Assert.Equal("succeeded", Str(review, "outcome"));
        Assert.Equal(Str(approval, "id"), Str(review, "approval_id"));
        Assert.NotNull(review["ended_at"]);
        Assert.Equal("execute", Str(History(workflow, 1), "step"));
        Assert.Null(workflow["pending_approval_id"]);
        Assert.Empty(workflow["approvals"]!.AsArray());
    }

    [StoreFact]
    public async Task Reject_ThroughTheWorkflow_MovesToOnFailure()
    {
        var id = Str(await CreateAsync(RemediationPlan()), "id")!;
        await WaitForFiledApprovalAsync(id);

        var reply = await DecideAsync(id, "reject", note: "not now");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("rejected", Str(reply.Json, "status"));
        var workflow = await WaitForStatusAsync(id, "waiting_task", "notify");
        Assert.Equal(["review", "notify"], workflow["history"]!.AsArray().Select(r => Str(r, "step")));
        Assert.Equal("failed", Str(History(workflow, 0), "outcome"));
        Assert.False(string.IsNullOrEmpty(Str(History(workflow, 0), "error")));
    }

    [StoreFact]
    public async Task Decide_ByAViewer_IsForbidden_AndTheWorkflowKeepsWaiting()
    {
        var id = Str(await CreateAsync(RemediationPlan()), "id")!;
        await WaitForFiledApprovalAsync(id);

        AssertProblem(await DecideAsync(id, "approve", Viewer), HttpStatusCode.Forbidden, "forbidden");

        var workflow = await GetAsync(id);
        Assert.Equal("waiting_approval", Str(workflow, "status"));
        Assert.Equal("pending", Str(workflow["approvals"]![0], "status"));
    }

    [StoreFact]
    public async Task Decide_ByTheWorkflowsCreator_IsSelfApprovalForbidden()
    {
        // A reviewer may start workflows too, but not decide the approvals they file.
        var creator = Person("carol", "Carol Creator", "requester", "reviewer");
        var id = Str(await CreateAsync(RemediationPlan(), creator), "id")!;
        var approval = await WaitForFiledApprovalAsync(id);
        Assert.Equal("carol", Str(approval, "requested_by"));

        AssertProblem(await DecideAsync(id, "approve", creator), HttpStatusCode.Forbidden, "self_approval_forbidden");
        AssertProblem(await DecideAsync(id, "reject", creator), HttpStatusCode.Forbidden, "self_approval_forbidden");

        Assert.Equal("waiting_approval", Str(await GetAsync(id), "status"));
    }

    [StoreFact]
    public async Task Decide_ASecondTime_IsAlreadyResolved_WithTheCurrentStatus()
    {
        var id = Str(await CreateAsync(RemediationPlan()), "id")!;
        await WaitForFiledApprovalAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await DecideAsync(id, "approve")).Status);

        // At once (the decision may not have reached the workflow yet) and once it has: the same answer.
        var atOnce = AssertProblem(await DecideAsync(id, "reject", SecondReviewer), HttpStatusCode.Conflict, "already_resolved");
        Assert.Equal("approved", Str(atOnce, "current_status"));
        await WaitForStatusAsync(id, "waiting_task", "execute");
        var later = AssertProblem(await DecideAsync(id, "approve", SecondReviewer), HttpStatusCode.Conflict, "already_resolved");
        Assert.Equal("approved", Str(later, "current_status"));
    }

    [StoreFact]
    public async Task Decide_WhenTheWorkflowNeverWaitedOnAnApproval_IsInvalidState()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("build"))), "id")!;

        AssertProblem(await DecideAsync(id, "approve"), HttpStatusCode.Conflict, "invalid_state");
    }

    [StoreFact]
    public async Task Decide_WithAnUnknownAction_IsAValidationError()
    {
        var id = Str(await CreateAsync(RemediationPlan()), "id")!;

        AssertInvalid(await DecideAsync(id, "maybe"), "action");
    }

    [StoreFact]
    public async Task ApprovalExpiry_MovesToOnFailure()
    {
        var id = Str(await CreateAsync(RemediationPlan(expiresIn: "PT2S")), "id")!;
        var approval = await WaitForFiledApprovalAsync(id);

        var workflow = await WaitForStatusAsync(id, "waiting_task", "notify");

        Assert.Equal("failed", Str(History(workflow, 0), "outcome"));
        Assert.Equal("expired", Str(await WaitForApprovalStatusAsync(Str(approval, "id")!, "expired"), "status"));
    }

    [StoreFact]
    public async Task Rejection_WithoutAFailurePath_FailsTheWorkflow()
    {
        var id = Str(await CreateAsync(Plan(ApprovalStep("review", onSuccess: "execute"), TaskStep("execute"))), "id")!;
        await WaitForFiledApprovalAsync(id);

        Assert.Equal(HttpStatusCode.OK, (await DecideAsync(id, "reject")).Status);

        var workflow = await WaitForStatusAsync(id, "failed");
        Assert.Equal("review", Str(workflow, "current_step"));
        Assert.Equal("failed", Str(Assert.Single(workflow["history"]!.AsArray()), "outcome"));
        Assert.Null(workflow["pending_approval_id"]);
    }

    [StoreFact]
    public async Task Approval_WithoutASuccessPath_CompletesTheWorkflow()
    {
        var id = Str(await CreateAsync(Plan(ApprovalStep("review"))), "id")!;
        await WaitForFiledApprovalAsync(id);

        Assert.Equal(HttpStatusCode.OK, (await DecideAsync(id, "approve")).Status);

        var workflow = await WaitForStatusAsync(id, "completed");
        Assert.Equal("succeeded", Str(Assert.Single(workflow["history"]!.AsArray()), "outcome"));
    }

    [StoreFact]
    public async Task Approval_WithADelay_IsDelayed_ThenStartsTheNextStep()
    {
        var id = Str(await CreateAsync(RemediationPlan(delay: "PT1S")), "id")!;
        await WaitForFiledApprovalAsync(id);

        Assert.Equal(HttpStatusCode.OK, (await DecideAsync(id, "approve")).Status);

        var delayed = await WaitForAsync(id, w => Str(w, "status") != "waiting_approval", "the decision delivered");
        Assert.Equal("delayed", Str(delayed, "status"));
        Assert.Equal("review", Str(delayed, "current_step"));
        Assert.Equal("execute", Str(delayed, "next_step"));
        var reviewEnded = History(delayed, 0)["ended_at"]!.GetValue<DateTimeOffset>();
        Assert.Equal(reviewEnded.AddSeconds(1), delayed["wake_at"]!.GetValue<DateTimeOffset>());

        var next = await WaitForStatusAsync(id, "waiting_task", "execute");
        Assert.True(History(next, 1)["started_at"]!.GetValue<DateTimeOffset>() >= reviewEnded.AddSeconds(1));
        Assert.Null(next["next_step"]);
    }
}
