using System.Net;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Workflows;

public abstract partial class WorkflowsApiTests<TServer>
{
    [StoreFact]
    public async Task Create_WithAnIdempotencyKey_ReplaysTheSame201_AndStartsOneWorkflow()
    {
        var key = ("Idempotency-Key", "remediate-db7-1");

        var first = await Api.PostAsync("/v1/workflows", Ops, RemediationPlan(), key);
        var second = await Api.PostAsync("/v1/workflows", Ops, RemediationPlan(), key);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Null(first.Header("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.Equal("true", second.Header("Idempotent-Replayed"));
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(first.Header("Location"), second.Header("Location"));
        Assert.Equal(first.Header("ETag"), second.Header("ETag"));
        var id = Str(first.Json, "id")!;
        var listed = (await Api.GetAsync("/v1/workflows", Ops)).Json["data"]!.AsArray();
        Assert.Equal([id], listed.Select(w => Str(w, "id")));
        Assert.Equal(1, (await EventTypesAsync(id)).Count(t => t == "workflow.started"));
    }

    [StoreFact]
    public async Task Create_WithAnIdempotencyKeyReusedForAnotherBody_Is422()
    {
        var key = ("Idempotency-Key", "remediate-db7-2");
        Assert.Equal(HttpStatusCode.Created, (await Api.PostAsync("/v1/workflows", Ops, RemediationPlan(), key)).Status);

        var other = await Api.PostAsync("/v1/workflows", Ops, Plan("something-else", TaskStep("build")), key);

        AssertProblem(other, HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Single((await Api.GetAsync("/v1/workflows", Ops)).Json["data"]!.AsArray());
    }

    [StoreFact]
    public async Task Create_WithTheSameKeyConcurrently_StartsOneWorkflow()
    {
        var key = ("Idempotency-Key", "remediate-db7-3");

        var replies = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Api.PostAsync("/v1/workflows", Ops, RemediationPlan(), key)));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Single(replies.Select(r => Str(r.Json, "id")).Distinct());
        Assert.Single((await Api.GetAsync("/v1/workflows", Ops)).Json["data"]!.AsArray());
    }

    [StoreFact]
    public async Task CompleteTask_WithAnIdempotencyKey_ReplaysTheFirstAnswer()
    {
        var id = Str(await CreateAsync(Plan(TaskStep("build", onSuccess: "deploy"), TaskStep("deploy"))), "id")!;
        var key = ("Idempotency-Key", "build-done-1");

        var first = await Api.PostAsync($"{PathOf(id)}/steps/build/complete", Ops, new System.Text.Json.Nodes.JsonObject(), key);
        var second = await Api.PostAsync($"{PathOf(id)}/steps/build/complete", Ops, new System.Text.Json.Nodes.JsonObject(), key);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal("true", second.Header("Idempotent-Replayed"));
        Assert.Equal(first.Text, second.Text);
        Assert.Equal("deploy", Str(await GetAsync(id), "current_step"));
        Assert.Equal(2, (await GetAsync(id))["history"]!.AsArray().Count);
    }
}
