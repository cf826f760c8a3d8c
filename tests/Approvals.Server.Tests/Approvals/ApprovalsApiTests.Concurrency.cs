using System.Net;
using System.Text.Json.Nodes;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Approvals;

public abstract partial class ApprovalsApiTests<TServer>
{
    [StoreFact]
    public async Task EveryWrite_WithStaleIfMatch_Returns412WithTheCurrentETag_AndChangesNothing()
    {
        var id = await CreateIdAsync();
        Assert.Equal(HttpStatusCode.OK, (await ExtendAsync(id, Requester, DateTimeOffset.UtcNow.AddDays(2))).Status);
        var current = await Api.GetAsync(PathOf(id), Requester);
        Assert.Equal("\"2\"", current.ETag);
        var stale = ("If-Match", "\"1\"");

        foreach (var response in new[]
        {
            await ApproveAsync(id, Reviewer, null, stale),
            await RejectAsync(id, Reviewer, null, stale),
            await CancelAsync(id, Requester, null, stale),
            await ExtendAsync(id, Requester, DateTimeOffset.UtcNow.AddDays(3), stale),
        })
        {
            var problem = AssertProblem(response, HttpStatusCode.PreconditionFailed, "precondition_failed");
            Assert.Equal(current.ETag, Str(problem["etag"]));
        }

        Assert.True(JsonNode.DeepEquals(current.Json, await GetApprovalAsync(id)));
    }

    [StoreFact]
    public async Task EveryWrite_WithMatchingIfMatch_Succeeds()
    {
        async Task<(string Id, string ETag)> FreshAsync()
        {
            var created = await Api.PostAsync("/v1/approvals", Requester, NewRequest());
            return (Str(created.Json["id"])!, created.ETag!);
        }

        var approve = await FreshAsync();
        Assert.Equal(HttpStatusCode.OK, (await ApproveAsync(approve.Id, Reviewer, null, ("If-Match", approve.ETag))).Status);
        var reject = await FreshAsync();
        Assert.Equal(HttpStatusCode.OK, (await RejectAsync(reject.Id, Reviewer, null, ("If-Match", reject.ETag))).Status);
        var cancel = await FreshAsync();
        Assert.Equal(HttpStatusCode.OK, (await CancelAsync(cancel.Id, Requester, null, ("If-Match", cancel.ETag))).Status);
        var extend = await FreshAsync();
        var extended = await ExtendAsync(extend.Id, Requester, DateTimeOffset.UtcNow.AddDays(2), ("If-Match", extend.ETag));
        Assert.Equal(HttpStatusCode.OK, extended.Status);

        // The ETag of a write's response is the If-Match of the next write.
        var next = await ExtendAsync(extend.Id, Requester, DateTimeOffset.UtcNow.AddDays(3), ("If-Match", extended.ETag!));
        Assert.Equal(HttpStatusCode.OK, next.Status);
        Assert.Equal("\"3\"", next.ETag);
        Assert.Equal(HttpStatusCode.OK, (await CancelAsync(extend.Id, Requester, null, ("If-Match", "*"))).Status);
    }

    [StoreFact]
    public async Task Approve_WithMalformedIfMatch_Returns400AndChangesNothing()
    {
        var id = await CreateIdAsync();

        AssertValidationError(await ApproveAsync(id, Reviewer, null, ("If-Match", "version-one")), "If-Match");

        Assert.Equal(1, (await GetApprovalAsync(id))["version"]!.GetValue<long>());
    }

    [StoreFact]
    public async Task EveryApprovalResponse_CarriesETagOfItsVersion()
    {
        var created = await Api.PostAsync("/v1/approvals", Requester, NewRequest());
        var id = Str(created.Json["id"])!;
        var responses = new List<Reply>
        {
            created,
            await Api.GetAsync(PathOf(id), Requester),
            await Api.GetAsync($"{PathOf(id)}/status", Requester),
            await ExtendAsync(id, Requester, DateTimeOffset.UtcNow.AddDays(2)),
            await ApproveAsync(id, Reviewer),
        };

        foreach (var response in responses)
        {
            Assert.True(response.Status is HttpStatusCode.OK or HttpStatusCode.Created, response.ToString());
            Assert.Equal($"\"{response.Json["version"]!.GetValue<long>()}\"", response.ETag);
        }
        Assert.Equal(["\"1\"", "\"1\"", "\"1\"", "\"2\"", "\"3\""], responses.Select(r => r.ETag!));
    }

    [StoreFact]
    public async Task Approve_ConcurrentlyByTwoPeople_OneWinsAndTheOtherGets409()
    {
        var id = await CreateIdAsync();

        var responses = await Task.WhenAll(
            Task.Run(() => ApproveAsync(id, Reviewer)),
            Task.Run(() => RejectAsync(id, Manager)));

        Assert.Single(responses, r => r.Status == HttpStatusCode.OK);
        var loser = Assert.Single(responses, r => r.Status != HttpStatusCode.OK);
        var winner = Str((await GetApprovalAsync(id))["status"]);
        Assert.Equal(winner, Str(AssertProblem(loser, HttpStatusCode.Conflict, "already_resolved")["current_status"]));
        Assert.Equal(2, (await GetApprovalAsync(id))["version"]!.GetValue<long>());
    }
}
