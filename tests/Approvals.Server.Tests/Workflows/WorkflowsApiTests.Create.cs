using System.Net;
using System.Text.Json.Nodes;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Workflows;

public abstract partial class WorkflowsApiTests<TServer>
{
    [StoreFact]
    public async Task Create_Returns201_WithLocationETagAndTheWorkflowShape()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var reply = await Api.PostAsync("/v1/workflows", Ops, RemediationPlan(delay: "PT1S"));

        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        Assert.Equal("application/json", reply.MediaType);
        var workflow = reply.Json;
        var id = Str(workflow, "id")!;
        Assert.StartsWith("wf_", id);
        Assert.Equal(PathOf(id), reply.Header("Location"));
        var version = workflow["version"]!.GetValue<long>();
        Assert.True(version >= 1);
        Assert.Equal($"\"{version}\"", reply.Header("ETag"));
        Assert.Equal("remediate-disk-full", Str(workflow, "name"));
        Assert.Equal(Tenant, Str(workflow, "tenant_id"));
        Assert.Equal("ops-bot", Str(workflow, "created_by"));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["host"] = "db-7", ["sizes"] = new JsonArray(1, 2) }, workflow["input"]));
        var created = workflow["created_at"]!.GetValue<DateTimeOffset>();
        Assert.InRange(created, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(created, workflow["updated_at"]!.GetValue<DateTimeOffset>());

        // The plan as given, durations in ISO 8601.
        var steps = workflow["steps"]!.AsArray();
        Assert.Equal(["review", "execute", "notify"], steps.Select(s => Str(s, "id")));
        Assert.Equal(["approval", "task", "task"], steps.Select(s => Str(s, "type")));
        Assert.Equal("execute", Str(steps[0], "on_success"));
        Assert.Equal("notify", Str(steps[0], "on_failure"));
        Assert.Equal("PT1S", Str(steps[0], "delay_to_next_step"));
        Assert.Equal("Approve review", Str(steps[0]!["approval"], "title"));
        Assert.Equal("PT1H", Str(steps[1], "timeout"));
        Assert.Null(Str(steps[2], "on_success"));

        // The first step started at once: one open run of the approval step.
        Assert.Equal("waiting_approval", Str(workflow, "status"));
        Assert.Equal("review", Str(workflow, "current_step"));
        var run = Assert.IsType<JsonObject>(Assert.Single(workflow["history"]!.AsArray()));
        Assert.Equal("review", Str(run, "step"));
        Assert.Null(run["outcome"]);
        Assert.Null(run["ended_at"]);
        Assert.StartsWith("apr_", Str(run, "approval_id"));
        Assert.Equal(created, run["started_at"]!.GetValue<DateTimeOffset>());
        Assert.Equal(Str(run, "approval_id"), Str(workflow, "pending_approval_id"));
        Assert.NotNull(workflow["approvals"]);
    }

    [StoreFact]
    public async Task Get_ReturnsTheWorkflowWithItsETag()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("build"))), "id")!;

        var reply = await Api.GetAsync(PathOf(id), Viewer);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(id, Str(reply.Json, "id"));
        Assert.Equal($"\"{reply.Json["version"]!.GetValue<long>()}\"", reply.Header("ETag"));
    }

    [StoreFact]
    public async Task Create_WithAnApprovalFirstStep_FilesItsApproval_LinkedToTheWorkflow_AndEmbedsIt()
    {
        var created = await CreateAsync(RemediationPlan());
        var id = Str(created, "id")!;
        var approvalId = Str(History(created, 0), "approval_id")!;

        var embedded = await WaitForFiledApprovalAsync(id);

        Assert.Equal(approvalId, Str(embedded, "id"));
        Assert.Equal("pending", Str(embedded, "status"));
        Assert.Equal(id, Str(embedded, "workflow_id"));
        Assert.Equal("review", Str(embedded, "workflow_step"));
        Assert.Equal("Approve review", Str(embedded, "title"));
        Assert.Equal("ops-bot", Str(embedded, "requested_by"));
        // It is an ordinary approval request of the tenant too.
        var direct = await Api.GetAsync($"/v1/approvals/{approvalId}", Reviewer);
        Assert.Equal(HttpStatusCode.OK, direct.Status);
        Assert.Equal(id, Str(direct.Json, "workflow_id"));
        Assert.Equal("review", Str(direct.Json, "workflow_step"));
        // And the list embeds it as well.
        var list = await Api.GetAsync("/v1/workflows?status=waiting_approval", Ops);
        Assert.Equal(HttpStatusCode.OK, list.Status);
        var listed = Assert.IsType<JsonObject>(Assert.Single(list.Json["data"]!.AsArray()));
        Assert.Equal(id, Str(listed, "id"));
        Assert.Equal([approvalId], listed["approvals"]!.AsArray().Select(a => Str(a, "id")));
    }

    [StoreFact]
    public async Task Create_WithATaskFirstStep_WaitsOnTheTaskAtOnce()
    {
        var workflow = await CreateAsync(Plan(TaskStep("build", onSuccess: "deploy"), TaskStep("deploy")));

        Assert.Equal("waiting_task", Str(workflow, "status"));
        Assert.Equal("build", Str(workflow, "current_step"));
        Assert.Null(Str(History(workflow, 0), "approval_id"));
        Assert.Empty(workflow["approvals"]!.AsArray());
        Assert.Equal(["workflow.started", "workflow.task_ready"], await EventTypesAsync(Str(workflow, "id")!));
    }

    [StoreFact]
    public async Task Calls_WithoutAToken_Are401()
    {
        AssertProblem(await Api.PostAsync("/v1/workflows", null, RemediationPlan()), HttpStatusCode.Unauthorized, "unauthorized");
        AssertProblem(await Api.GetAsync("/v1/workflows", null), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [StoreFact]
    public async Task Create_ByAViewer_IsForbidden()
    {
        AssertProblem(await Api.PostAsync("/v1/workflows", Viewer, RemediationPlan()), HttpStatusCode.Forbidden, "forbidden");

        Assert.Empty((await Api.GetAsync("/v1/workflows", Ops)).Json["data"]!.AsArray());
    }
}
