using System.Net;
using System.Text.Json.Nodes;
using Approvals.Core.Storage;
using Approvals.Testing.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Workflows;

public abstract partial class WorkflowsApiTests<TServer>
{
    [StoreFact]
    public async Task EventLog_OfACompletedRun_IsStartedWaitingResumedTaskReadyCompleted()
    {
        var id = Str(await CreateAsync(RemediationPlan()), "id")!;
        await WaitForFiledApprovalAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await DecideAsync(id, "approve")).Status);
        await WaitForStatusAsync(id, "waiting_task", "execute");
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(id, "execute", new JsonObject { ["freed_gb"] = 40 })).Status);

        Assert.Equal(
            ["workflow.started", "workflow.waiting_approval", "workflow.resumed", "workflow.task_ready", "workflow.completed"],
            await EventTypesAsync(id));

        var events = await Server.Services.GetRequiredService<IEventLog>().ReadSubjectAsync(id, CancellationToken.None);
        Assert.All(events, e =>
        {
            Assert.Equal(Tenant, e.TenantId);
            Assert.Equal(id, Str(JsonNode.Parse(e.DataJson), "workflow_id"));
        });
        Assert.Equal(events.Select(e => e.Seq).Order(), events.Select(e => e.Seq));
        var taskReady = JsonNode.Parse(events[3].DataJson)!;
        Assert.Equal("execute", Str(taskReady, "step"));
        Assert.Equal("db-7", Str(taskReady["input"], "host"));
    }

    [StoreFact]
    public async Task EventLog_OfADelayedRun_ResumesTwice()
    {
        var id = Str(await CreateAsync(RemediationPlan(delay: "PT1S")), "id")!;
        await WaitForFiledApprovalAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await DecideAsync(id, "approve")).Status);
        await WaitForStatusAsync(id, "waiting_task", "execute");

        Assert.Equal(
            ["workflow.started", "workflow.waiting_approval", "workflow.resumed", "workflow.resumed", "workflow.task_ready"],
            await EventTypesAsync(id));
    }

    [StoreFact]
    public async Task EventLog_OfAFailedRun_EndsWithFailed()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("execute"))), "id")!;
        Assert.Equal(HttpStatusCode.OK, (await FailAsync(id, "execute", "boom")).Status);

        Assert.Equal(["workflow.started", "workflow.task_ready", "workflow.failed"], await EventTypesAsync(id));
    }

    [StoreFact]
    public async Task EventLog_OfACancelledRun_EndsWithCancelled()
    {
        var id = Str(await CreateAsync(RemediationPlan()), "id")!;
        var approval = await WaitForFiledApprovalAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await CancelAsync(id)).Status);
        await WaitForApprovalStatusAsync(Str(approval, "id")!, "cancelled");

        Assert.Equal(["workflow.started", "workflow.waiting_approval", "workflow.cancelled"], await EventTypesAsync(id));
        Assert.Equal(["approval.requested", "approval.cancelled"], await EventTypesAsync(Str(approval, "id")!));
    }
}
