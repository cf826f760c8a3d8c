using System.Net;
using System.Text.Json.Nodes;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Workflows;

public abstract partial class WorkflowsApiTests<TServer>
{
    [StoreFact]
    public async Task CompleteTask_WithOutput_StartsTheNextStep_AndTheLastOneCompletes()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("build", onSuccess: "deploy"), TaskStep("deploy"))), "id")!;

        var first = await CompleteAsync(id, "build", new JsonObject { ["artifact"] = "app-1.2.tgz", ["freed_gb"] = 40 });

        Assert.Equal(HttpStatusCode.OK, first.Status);
        var afterBuild = first.Json;
        Assert.Equal("waiting_task", Str(afterBuild, "status"));
        Assert.Equal("deploy", Str(afterBuild, "current_step"));
        Assert.Equal($"\"{afterBuild["version"]!.GetValue<long>()}\"", first.Header("ETag"));
        var build = History(afterBuild, 0);
        Assert.Equal("succeeded", Str(build, "outcome"));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["artifact"] = "app-1.2.tgz", ["freed_gb"] = 40 }, build["output"]));
        Assert.NotNull(build["ended_at"]);

        var second = await CompleteAsync(id, "deploy");

        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal("completed", Str(second.Json, "status"));
        Assert.Equal(["succeeded", "succeeded"], second.Json["history"]!.AsArray().Select(r => Str(r, "outcome")));
        Assert.Equal("completed", Str(await GetAsync(id), "status"));
    }

    [StoreFact]
    public async Task FailTask_MovesToOnFailure_WithTheError()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("execute", onFailure: "notify"), TaskStep("notify"))), "id")!;

        var reply = await FailAsync(id, "execute", "disk still full");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("waiting_task", Str(reply.Json, "status"));
        Assert.Equal("notify", Str(reply.Json, "current_step"));
        var execute = History(reply.Json, 0);
        Assert.Equal("failed", Str(execute, "outcome"));
        Assert.Equal("disk still full", Str(execute, "error"));
    }

    [StoreFact]
    public async Task FailTask_WithoutAFailurePath_FailsTheWorkflow()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("execute", onSuccess: "notify"), TaskStep("notify"))), "id")!;

        var reply = await FailAsync(id, "execute", "boom");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("failed", Str(reply.Json, "status"));
        Assert.Equal("boom", Str(Assert.Single(reply.Json["history"]!.AsArray()), "error"));
    }

    [StoreFact]
    public async Task TaskTimeout_MovesToOnFailure()
    {
        var created = await CreateAsync(Plan(TaskStep("execute", onFailure: "notify", timeout: "PT2S"), TaskStep("notify")));
        var id = Str(created, "id")!;
        var started = History(created, 0)["started_at"]!.GetValue<DateTimeOffset>();
        Assert.Equal(started.AddSeconds(2), created["wake_at"]!.GetValue<DateTimeOffset>());

        var workflow = await WaitForStatusAsync(id, "waiting_task", "notify");

        var execute = History(workflow, 0);
        Assert.Equal("timed_out", Str(execute, "outcome"));
        Assert.True(execute["ended_at"]!.GetValue<DateTimeOffset>() >= started.AddSeconds(2));
        // Too late: the timed-out task is not waited on any more.
        AssertProblem(await CompleteAsync(id, "execute"), HttpStatusCode.Conflict, "invalid_state");
    }

    [StoreFact]
    public async Task ReportTask_TheWorkflowIsNotWaitingOn_IsInvalidState()
    {
        var tasks = Str(await CreateAsync(Plan(TaskStep("build", onSuccess: "deploy"), TaskStep("deploy"))), "id")!;
        var approval = Str(await CreateAsync(RemediationPlan()), "id")!;

        AssertProblem(await CompleteAsync(tasks, "deploy"), HttpStatusCode.Conflict, "invalid_state");
        AssertProblem(await FailAsync(tasks, "deploy", "no"), HttpStatusCode.Conflict, "invalid_state");
        AssertProblem(await CompleteAsync(approval, "review"), HttpStatusCode.Conflict, "invalid_state");
        AssertProblem(await CompleteAsync(approval, "execute"), HttpStatusCode.Conflict, "invalid_state");

        Assert.Equal("build", Str(await GetAsync(tasks), "current_step"));
        Assert.Equal("waiting_approval", Str(await GetAsync(approval), "status"));
    }

    [StoreFact]
    public async Task ReportTask_OfAnUnknownStep_IsNotFound()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("build"))), "id")!;

        AssertProblem(await CompleteAsync(id, "no-such-step"), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await FailAsync(id, "no-such-step"), HttpStatusCode.NotFound, "not_found");
    }

    [StoreFact]
    public async Task ReportTask_OfAnEndedWorkflow_IsAConflict()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("build"))), "id")!;
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(id, "build")).Status);

        var again = await CompleteAsync(id, "build");

        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("completed", Str(await GetAsync(id), "status"));
    }

    [StoreFact]
    public async Task ReportTask_ByAViewer_IsForbidden()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("build"))), "id")!;

        AssertProblem(await CompleteAsync(id, "build", by: Viewer), HttpStatusCode.Forbidden, "forbidden");

        Assert.Equal("waiting_task", Str(await GetAsync(id), "status"));
    }
}
