using System.Net;
using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Principals;
using Approvals.Grains.Abstractions;
using GrainCaller = Approvals.Grains.Abstractions.Caller;
using Approvals.Testing.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Approvals;

public abstract partial class ApprovalsApiTests<TServer>
{
    [StoreFact]
    public async Task List_WithoutFilters_ReturnsNewestFirstWithDataAndNextCursor()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await CreateIdAsync(NewRequest(title: $"Request {i}")));
        }

        var response = await Api.GetAsync("/v1/approvals", Viewer);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("application/json", response.MediaType);
        var page = response.Json;
        Assert.Equal(Enumerable.Reverse(ids), Ids(page));
        Assert.True(page.ContainsKey("next_cursor") && page["next_cursor"] is null);
        // Each item is the full approval.
        var newest = page["data"]![0]!.AsObject();
        Assert.True(JsonNode.DeepEquals(await GetApprovalAsync(ids[^1]), newest), newest.ToJsonString());
    }

    [StoreFact]
    public async Task List_Limit_DefaultsTo20_AllowsUpTo100_AndPagesToTheEnd()
    {
        var created = new List<string>();
        foreach (var chunk in Enumerable.Range(0, 101).Chunk(10))
        {
            created.AddRange(await Task.WhenAll(chunk.Select(i => CreateIdAsync(NewRequest(title: $"Bulk filed {i}")))));
        }

        var byDefault = (await Api.GetAsync("/v1/approvals", Viewer)).Json;
        Assert.Equal(20, Ids(byDefault).Count);
        Assert.NotNull(Str(byDefault["next_cursor"]));

        var first = await Api.GetAsync("/v1/approvals?limit=100", Viewer);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var firstIds = Ids(first.Json);
        Assert.Equal(100, firstIds.Count);
        Assert.Equal(Ids(byDefault), firstIds.Take(20));
        var cursor = Str(first.Json["next_cursor"]);
        Assert.NotNull(cursor);

        var last = (await Api.GetAsync($"/v1/approvals?limit=100&cursor={Uri.EscapeDataString(cursor)}", Viewer)).Json;
        var lastIds = Ids(last);
        Assert.Single(lastIds);
        Assert.Null(last["next_cursor"]);
        Assert.Equal(created.Order(StringComparer.Ordinal), firstIds.Concat(lastIds).Order(StringComparer.Ordinal));

        AssertValidationError(await Api.GetAsync("/v1/approvals?limit=101", Viewer), "limit");
    }

    [StoreFact]
    public async Task List_WithCursor_VisitsEveryApprovalOnceNewestFirst_EvenWhenNewOnesArrive()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add(await CreateIdAsync(NewRequest(title: $"Request {i}")));
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var path = cursor is null ? "/v1/approvals?limit=3" : $"/v1/approvals?limit=3&cursor={Uri.EscapeDataString(cursor)}";
            var response = await Api.GetAsync(path, Viewer);
            Assert.Equal(HttpStatusCode.OK, response.Status);
            seen.AddRange(Ids(response.Json));
            cursor = Str(response.Json["next_cursor"]);
            if (pages++ == 0)
            {
                // A request filed while paging is newer than the cursor: it is not on a later page.
                await CreateIdAsync(NewRequest(title: "Filed while paging"));
            }
            Assert.True(pages <= 5, "pagination must end");
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(ids), seen);
    }

    [StoreFact]
    public async Task List_EachFilter_SelectsOnlyMatchingApprovals()
    {
        var otherRequester = Person("user_8", "Otto Requester", "requester");
        var lowA = await CreateIdAsync(WithAgent(NewRequest(10), "agt_a"));
        var mediumB = await CreateIdAsync(WithAgent(NewRequest(50), "agt_b"), otherRequester);
        var highA = await CreateIdAsync(WithAgent(NewRequest(75), "agt_a"));
        var cancelled = await CreateIdAsync(NewRequest(90));
        Assert.Equal(HttpStatusCode.OK, (await ApproveAsync(lowA, Reviewer)).Status);
        Assert.Equal(HttpStatusCode.OK, (await CancelAsync(cancelled, Requester)).Status);
        var inWorkflow = await CreateInWorkflowAsync("wf_remediate", "review");

        async Task<List<string>> ListAsync(string query)
        {
            var response = await Api.GetAsync($"/v1/approvals?{query}", Viewer);
            Assert.True(response.Status == HttpStatusCode.OK, response.ToString());
            return Ids(response.Json);
        }

        Assert.Equal([lowA], await ListAsync("status=approved"));
        Assert.Equal([cancelled], await ListAsync("status=cancelled"));
        Assert.Equal([inWorkflow, highA, mediumB], await ListAsync("status=pending"));
        Assert.Empty(await ListAsync("status=rejected"));
        Assert.Equal([highA], await ListAsync("risk_level=high"));
        Assert.Equal([cancelled], await ListAsync("risk_level=critical"));
        Assert.Equal([inWorkflow, lowA], await ListAsync("risk_level=low"));
        Assert.Equal([highA, lowA], await ListAsync("agent_id=agt_a"));
        Assert.Equal([mediumB], await ListAsync($"requested_by={otherRequester.Id}"));
        Assert.Equal([inWorkflow, cancelled, highA, lowA], await ListAsync($"requested_by={Requester.Id}"));
        Assert.Equal([inWorkflow], await ListAsync("workflow_id=wf_remediate"));
        Assert.Empty(await ListAsync("workflow_id=wf_other"));
        Assert.Equal([highA], await ListAsync("status=pending&agent_id=agt_a"));

        var workflowApproval = await GetApprovalAsync(inWorkflow);
        Assert.Equal("wf_remediate", Str(workflowApproval["workflow_id"]));
        Assert.Equal("review", Str(workflowApproval["workflow_step"]));
    }

    [StoreFact]
    public async Task List_CreatedAfterAndBefore_BoundTheCreationTime()
    {
        var first = await CreateApprovalAsync();
        var second = await CreateApprovalAsync();
        var third = await CreateApprovalAsync();
        var (t1, t2, t3) = (Time(first["created_at"]), Time(second["created_at"]), Time(third["created_at"]));
        Assert.True(t1 < t2 && t2 < t3, "requests filed one after the other have increasing created_at");
        var between12 = Uri.EscapeDataString(Micro(t1 + (t2 - t1) / 2));
        var between23 = Uri.EscapeDataString(Micro(t2 + (t3 - t2) / 2));
        var ids = (first: Str(first["id"])!, second: Str(second["id"])!, third: Str(third["id"])!);

        Assert.Equal([ids.third, ids.second], Ids((await Api.GetAsync($"/v1/approvals?created_after={between12}", Viewer)).Json));
        Assert.Equal([ids.first], Ids((await Api.GetAsync($"/v1/approvals?created_before={between12}", Viewer)).Json));
        Assert.Equal([ids.second], Ids((await Api.GetAsync($"/v1/approvals?created_after={between12}&created_before={between23}", Viewer)).Json));
    }

    [StoreFact]
    public async Task List_BadQuery_Returns400PerField()
    {
        AssertValidationError(await Api.GetAsync("/v1/approvals?status=done", Viewer), "status");
        AssertValidationError(await Api.GetAsync("/v1/approvals?risk_level=extreme", Viewer), "risk_level");
        AssertValidationError(await Api.GetAsync("/v1/approvals?created_after=yesterday", Viewer), "created_after");
        AssertValidationError(await Api.GetAsync("/v1/approvals?created_before=2026-13-45", Viewer), "created_before");
        AssertValidationError(await Api.GetAsync("/v1/approvals?cursor=not-a-cursor", Viewer), "cursor");
        AssertValidationError(await Api.GetAsync("/v1/approvals?limit=0", Viewer), "limit");
        AssertValidationError(await Api.GetAsync("/v1/approvals?limit=-5", Viewer), "limit");
        AssertValidationError(await Api.GetAsync("/v1/approvals?limit=ten", Viewer), "limit");
        AssertValidationError(await Api.GetAsync("/v1/approvals?limit=101", Viewer), "limit");
    }

    [StoreFact]
    public async Task Count_WithoutStatus_ListsAllFiveStatuses_AndWithStatusCountsOne()
    {
        var empty = await Api.GetAsync("/v1/approvals/count", Viewer);
        Assert.Equal(HttpStatusCode.OK, empty.Status);
        Assert.True(JsonNode.DeepEquals(Counts(0, 0, 0, 0, 0), empty.Json), empty.Text);

        await CreateIdAsync();
        await CreateIdAsync();
        Assert.Equal(HttpStatusCode.OK, (await ApproveAsync(await CreateIdAsync(), Reviewer)).Status);
        Assert.Equal(HttpStatusCode.OK, (await RejectAsync(await CreateIdAsync(), Reviewer)).Status);
        Assert.Equal(HttpStatusCode.OK, (await CancelAsync(await CreateIdAsync(), Requester)).Status);
        var expiring = NewRequest();
        expiring["expires_in"] = "PT1S";
        var expired = await CreateIdAsync(expiring);
        var held = await Api.GetAsync($"{PathOf(expired)}/status?wait=15", Viewer);
        Assert.Equal("expired", Str(held.Json["status"]));

        var all = await Api.GetAsync("/v1/approvals/count", Viewer);
        Assert.True(JsonNode.DeepEquals(Counts(pending: 2, approved: 1, rejected: 1, expired: 1, cancelled: 1), all.Json), all.Text);
        var pending = await Api.GetAsync("/v1/approvals/count?status=pending", Viewer);
        Assert.Equal(HttpStatusCode.OK, pending.Status);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["count"] = 2 }, pending.Json), pending.Text);
        foreach (var status in new[] { "approved", "rejected", "expired", "cancelled" })
        {
            var one = await Api.GetAsync($"/v1/approvals/count?status={status}", Viewer);
            Assert.True(JsonNode.DeepEquals(new JsonObject { ["count"] = 1 }, one.Json), $"{status}: {one.Text}");
        }
        AssertValidationError(await Api.GetAsync("/v1/approvals/count?status=done", Viewer), "status");
    }

    private static JsonObject Counts(long pending, long approved, long rejected, long expired, long cancelled) => new()
    {
        ["pending"] = pending, ["approved"] = approved, ["rejected"] = rejected, ["expired"] = expired, ["cancelled"] = cancelled,
    };

    private static JsonObject WithAgent(JsonObject body, string agentId)
    {
        body["agent_id"] = agentId;
        return body;
    }

    /// <summary>Files a request as a workflow step does (the workflow API is not part of this suite).</summary>
    private async Task<string> CreateInWorkflowAsync(string workflowId, string step)
    {
        var grains = Server.Services.GetRequiredService<IGrainFactory>();
        var id = global::Approvals.Core.Ids.New("apr", DateTimeOffset.UtcNow);
        var by = new GrainCaller(CallerKind.Person, Requester.Id, Requester.Name, Tenant, [.. Requester.Roles], [], null);
        var reply = await grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(Tenant, id))
            .ExecuteAsync(by, new ApprovalCall.Create(new CreateApprovalRequest { Title = "Workflow review", RiskScore = 5 }, workflowId, step), CallOptions.None);
        Assert.True(reply.IsSuccess, reply.Error?.Detail);
        return reply.Approval!.Id;
    }

    private static string Micro(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
