using System.Net;
using System.Text.Json.Nodes;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Workflows;

public abstract partial class WorkflowsApiTests<TServer>
{
    /// <summary>Starts four workflows, one after the other: waiting_task, waiting_approval, waiting_approval, completed.</summary>
    private async Task<string[]> CreateFourAsync()
    {
        var ids = new List<string>();
        ids.Add(Str(await CreateAsync(Plan("first", TaskStep("build"))), "id")!);
        ids.Add(Str(await CreateAsync(Plan("second", ApprovalStep("review"))), "id")!);
        ids.Add(Str(await CreateAsync(Plan("third", ApprovalStep("review"))), "id")!);
        var done = Str(await CreateAsync(Plan("fourth", TaskStep("build"))), "id")!;
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(done, "build")).Status);
        ids.Add(done);
        return [.. ids];
    }

    private async Task<(List<string> Ids, string? Next)> ListAsync(string query)
    {
        var reply = await Api.GetAsync($"/v1/workflows{query}", Viewer);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return (reply.Json["data"]!.AsArray().Select(w => Str(w, "id")!).ToList(), Str(reply.Json, "next_cursor"));
    }

    [StoreFact]
    public async Task List_IsNewestFirst_AndHoldsOnlyThisTenantsWorkflows()
    {
        var ids = await CreateFourAsync();
        await CreateAsync(Plan(TaskStep("build")), Outsider);

        var (listed, next) = await ListAsync("");

        Assert.Equal(ids.AsEnumerable().Reverse(), listed);
        Assert.Null(next);
    }

    [StoreFact]
    public async Task List_ByStatus_HoldsOnlyThatStatus_WithTheApprovalsTheyWaitOn()
    {
        var ids = await CreateFourAsync();
        await WaitForFiledApprovalAsync(ids[1]);
        await WaitForFiledApprovalAsync(ids[2]);

        var reply = await Api.GetAsync("/v1/workflows?status=waiting_approval", Ops);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var data = reply.Json["data"]!.AsArray();
        Assert.Equal([ids[2], ids[1]], data.Select(w => Str(w, "id")));
        Assert.All(data, w =>
        {
            Assert.Equal("waiting_approval", Str(w, "status"));
            var approval = Assert.Single(w!["approvals"]!.AsArray());
            Assert.Equal(Str(w, "id"), Str(approval, "workflow_id"));
            Assert.Equal("pending", Str(approval, "status"));
        });
        Assert.Equal([ids[0]], (await ListAsync("?status=waiting_task")).Ids);
        Assert.Equal([ids[3]], (await ListAsync("?status=completed")).Ids);
        Assert.Empty((await ListAsync("?status=cancelled")).Ids);
    }

    [StoreFact]
    public async Task List_PagesWithLimitAndCursor_NewestFirst_WithoutDuplicates()
    {
        var ids = await CreateFourAsync();
        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;

        do
        {
            var (page, next) = await ListAsync(cursor is null ? "?limit=2" : $"?limit=2&cursor={Uri.EscapeDataString(cursor)}");
            Assert.InRange(page.Count, 0, 2);
            seen.AddRange(page);
            cursor = next;
            pages++;
            Assert.True(pages <= 4, "The cursor never ran out.");
        }
        while (cursor is not null);

        Assert.Equal(ids.AsEnumerable().Reverse(), seen);
        var (firstPage, firstNext) = await ListAsync("?limit=2");
        Assert.Equal([ids[3], ids[2]], firstPage);
        Assert.NotNull(firstNext);
    }

    [StoreFact]
    public async Task List_PagesWithinAStatusFilter()
    {
        var ids = await CreateFourAsync();

        var (first, next) = await ListAsync("?status=waiting_approval&limit=1");
        Assert.Equal([ids[2]], first);
        Assert.NotNull(next);
        var (second, _) = await ListAsync($"?status=waiting_approval&limit=1&cursor={Uri.EscapeDataString(next)}");

        Assert.Equal([ids[1]], second);
    }

    [StoreFact]
    public async Task List_WithBadParameters_IsAValidationErrorNamingThem()
    {
        AssertInvalid(await Api.GetAsync("/v1/workflows?status=sleeping", Ops), "status");
        AssertInvalid(await Api.GetAsync("/v1/workflows?limit=0", Ops), "limit");
        AssertInvalid(await Api.GetAsync("/v1/workflows?limit=101", Ops), "limit");
        AssertInvalid(await Api.GetAsync("/v1/workflows?cursor=not-a-cursor", Ops), "cursor");
        AssertInvalid(await Api.GetAsync("/v1/workflows?status=pending&limit=x", Ops), "status", "limit");
    }

    [StoreFact]
    public async Task List_EmbedsNoApprovals_ForWorkflowsWaitingOnTasks()
    {
        await CreateAsync(Plan(TaskStep("build")));

        var reply = await Api.GetAsync("/v1/workflows", Ops);

        var workflow = Assert.Single(reply.Json["data"]!.AsArray());
        Assert.Equal(new JsonArray().ToJsonString(), workflow!["approvals"]!.ToJsonString());
    }
}
