using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Core;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Workflows;

/// <summary>Stored JSON values of workflows (input, an approval step's context, a task's output) have one depth limit.</summary>
public abstract partial class WorkflowsApiTests<TServer>
{
    private static JsonObject Nested(int levels) =>
        (JsonObject)JsonNode.Parse(string.Concat(Enumerable.Repeat("{\"a\":", levels)) + "1" + new string('}', levels),
            documentOptions: new JsonDocumentOptions { MaxDepth = 256 })!;

    [StoreFact]
    public async Task Create_InputOrStepContextDeeperThanTheStoredLimit_Returns400ForTheField()
    {
        foreach (var levels in new[] { StoredJson.MaxDepth + 1, 59, 62 })
        {
            var deepInput = Plan(TaskStep("build"));
            deepInput["input"] = Nested(levels);
            AssertInvalid(await Api.PostAsync("/v1/workflows", Ops, deepInput), "input");

            var deepContext = Plan(ApprovalStep("review"));
            deepContext["steps"]![0]!["approval"]!["context"] = Nested(levels);
            AssertInvalid(await Api.PostAsync("/v1/workflows", Ops, deepContext), "steps[0].approval.context");
        }
        var list = await Api.GetAsync("/v1/workflows", Ops);
        Assert.True(list.Status == HttpStatusCode.OK, list.ToString());
        Assert.Empty(list.Json["data"]!.AsArray());
    }

    [StoreFact]
    public async Task DeepestAllowedValues_AreStored_AndEveryResponseEmbeddingThemCanBeWritten()
    {
        var plan = Plan(ApprovalStep("review", onSuccess: "build"), TaskStep("build"));
        plan["input"] = Nested(StoredJson.MaxDepth);
        plan["steps"]![0]!["approval"]!["context"] = Nested(StoredJson.MaxDepth);
        var id = Str(await CreateAsync(plan), "id")!;

        var waiting = await Api.GetAsync("/v1/workflows?status=waiting_approval", Ops);
        Assert.True(waiting.Status == HttpStatusCode.OK, waiting.ToString());
        Assert.Equal(HttpStatusCode.OK, (await DecideAsync(id, "approve")).Status);
        await WaitForStatusAsync(id, "waiting_task", "build");

        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(id, "build", Nested(StoredJson.MaxDepth))).Status);
        Assert.Equal("completed", Str(await GetAsync(id), "status"));
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync("/v1/workflows", Ops)).Status);
    }

    [StoreFact]
    public async Task CompleteTask_OutputDeeperThanTheStoredLimit_Returns400_AndTheWorkflowStaysReadable()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("build"))), "id")!;
        var before = await GetAsync(id);

        foreach (var levels in new[] { StoredJson.MaxDepth + 1, 62 })
        {
            AssertInvalid(await CompleteAsync(id, "build", Nested(levels)), "output");
        }
        AssertInvalid(await Api.PostAsync($"{PathOf(id)}/steps/build/complete", Ops,
            JsonNode.Parse("{\"output\": {\"k\": \"\\u0000\"}}")), "output.k");

        Assert.True(JsonNode.DeepEquals(before, await GetAsync(id)));
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync("/v1/workflows", Ops)).Status);
    }
}
