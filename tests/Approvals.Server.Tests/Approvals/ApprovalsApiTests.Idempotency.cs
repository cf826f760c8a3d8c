using System.Net;
using System.Text.Json.Nodes;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Approvals;

public abstract partial class ApprovalsApiTests<TServer>
{
    private const string KeyHeader = "Idempotency-Key";
    private const string ReplayedHeader = "Idempotent-Replayed";

    [StoreFact]
    public async Task Create_SameKeyAndBody_ReplaysTheFirstResponse_AndCreatesOnce()
    {
        var key = ("Idempotency-Key", $"create-{Guid.NewGuid():N}");

        var first = await Api.PostAsync("/v1/approvals", Requester, ExampleRequest(), key);
        var replay = await Api.PostAsync("/v1/approvals", Requester, ExampleRequest(), key);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Null(first.Header(ReplayedHeader));
        Assert.Equal(HttpStatusCode.Created, replay.Status);
        Assert.Equal("true", replay.Header(ReplayedHeader));
        Assert.Equal(first.Text, replay.Text);
        Assert.Equal(first.Header("Location"), replay.Header("Location"));
        Assert.Equal(first.ETag, replay.ETag);
        Assert.Equal(first.MediaType, replay.MediaType);
        Assert.Equal([Str(first.Json["id"])!], Ids((await Api.GetAsync("/v1/approvals", Requester)).Json));
    }

    [StoreFact]
    public async Task Create_SameKeyWithAnotherBody_Returns422IdempotencyKeyReused()
    {
        var key = (KeyHeader, $"create-{Guid.NewGuid():N}");
        var first = await Api.PostAsync("/v1/approvals", Requester, NewRequest(title: "First"), key);
        Assert.Equal(HttpStatusCode.Created, first.Status);
        var before = await TenantSnapshotAsync();

        var reused = await Api.PostAsync("/v1/approvals", Requester, NewRequest(title: "Second"), key);

        AssertProblem(reused, (HttpStatusCode)422, "idempotency_key_reused");
        Assert.Equal(before, await TenantSnapshotAsync());
    }

    [StoreFact]
    public async Task Create_20ConcurrentRequestsWithOneKey_CreateExactlyOneApproval()
    {
        var key = (KeyHeader, $"storm-{Guid.NewGuid():N}");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => Task.Run(() => Api.PostAsync("/v1/approvals", Requester, NewRequest(title: "Only once"), key))));

        Assert.All(responses, r => Assert.True(r.Status == HttpStatusCode.Created, r.ToString()));
        Assert.Single(responses.Select(r => r.Text).Distinct());
        Assert.Single(responses.Select(r => r.Header("Location")).Distinct());
        Assert.Equal(19, responses.Count(r => r.Header(ReplayedHeader) == "true"));
        var listed = Ids((await Api.GetAsync("/v1/approvals", Requester)).Json);
        Assert.Equal([Str(responses[0].Json["id"])!], listed);
    }

    [StoreFact]
    public async Task Create_KeyOf255Characters_IsAccepted_AndLongerReturns400()
    {
        var before = await TenantSnapshotAsync();
        var tooLong = await Api.PostAsync("/v1/approvals", Requester, NewRequest(), (KeyHeader, new string('k', 256)));
        AssertValidationError(tooLong, KeyHeader);
        Assert.Equal(before, await TenantSnapshotAsync());

        var longest = await Api.PostAsync("/v1/approvals", Requester, NewRequest(), (KeyHeader, new string('k', 255)));
        Assert.Equal(HttpStatusCode.Created, longest.Status);
    }

    [StoreFact]
    public async Task Create_SameKeyFromAnotherCaller_IsIndependent()
    {
        var key = (KeyHeader, $"shared-{Guid.NewGuid():N}");
        var otherRequester = Person("user_8", "Otto Requester", "requester");

        var mine = await Api.PostAsync("/v1/approvals", Requester, NewRequest(), key);
        var theirs = await Api.PostAsync("/v1/approvals", otherRequester, NewRequest(), key);
        var inAnotherTenant = await Api.PostAsync("/v1/approvals", Requester with { Tenant = $"t_{Guid.NewGuid():N}" }, NewRequest(), key);

        foreach (var response in new[] { mine, theirs, inAnotherTenant })
        {
            Assert.Equal(HttpStatusCode.Created, response.Status);
            Assert.Null(response.Header(ReplayedHeader));
        }
        Assert.Equal(3, new[] { mine, theirs, inAnotherTenant }.Select(r => Str(r.Json["id"])).Distinct().Count());
        Assert.Equal(Str(theirs.Json["requested_by"]), otherRequester.Id);
    }

    [StoreFact]
    public async Task Approve_SameKeyRepeated_ReplaysWithoutASecondDecision()
    {
        var id = await CreateIdAsync();
        var key = (KeyHeader, $"approve-{Guid.NewGuid():N}");

        var first = await ApproveAsync(id, Reviewer, "ok", key);
        var replay = await ApproveAsync(id, Reviewer, "ok", key);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.OK, replay.Status);
        Assert.Equal("true", replay.Header(ReplayedHeader));
        Assert.Equal(first.Text, replay.Text);
        Assert.Equal("\"2\"", replay.ETag);
        Assert.Equal(2, (await GetApprovalAsync(id))["version"]!.GetValue<long>());
        AssertProblem(await ApproveAsync(id, Reviewer, "different", key), (HttpStatusCode)422, "idempotency_key_reused");
    }

    [StoreFact]
    public async Task EveryDecisionCall_SameKeyRepeated_ReplaysTheFirstResponse()
    {
        var rejectId = await CreateIdAsync();
        var cancelId = await CreateIdAsync();
        var extendId = await CreateIdAsync();
        var bulkId = await CreateIdAsync();
        var deadline = new JsonObject { ["expires_at"] = Iso(DateTimeOffset.UtcNow.AddDays(2)) };
        (string Path, Caller By, JsonObject Body)[] calls =
        [
            ($"{PathOf(rejectId)}/reject", Reviewer, new JsonObject { ["reason"] = "no" }),
            ($"{PathOf(cancelId)}/cancel", Requester, new JsonObject { ["reason"] = "moot" }),
            ($"{PathOf(extendId)}/extend", Requester, deadline),
            ("/v1/approvals/bulk-approve", Reviewer, new JsonObject { ["ids"] = new JsonArray(bulkId) }),
            ("/v1/approvals/bulk-reject", Manager, new JsonObject { ["ids"] = new JsonArray(bulkId) }),
        ];

        foreach (var (path, by, body) in calls)
        {
            var key = (KeyHeader, $"call-{Guid.NewGuid():N}");
            var first = await Api.PostAsync(path, by, body, key);
            var state = await TenantSnapshotAsync();
            var replay = await Api.PostAsync(path, by, body, key);

            Assert.True(first.Status == HttpStatusCode.OK, $"{path}: {first}");
            Assert.Equal(first.Status, replay.Status);
            Assert.Equal("true", replay.Header(ReplayedHeader));
            Assert.Equal(first.Text, replay.Text);
            Assert.Equal(first.ETag, replay.ETag);
            Assert.Equal(state, await TenantSnapshotAsync());
        }
        // The second bulk call ran once, after the first approved: its replay still says already_resolved.
        Assert.Equal("approved", Str((await GetApprovalAsync(bulkId))["status"]));
    }

    [StoreFact]
    public async Task Approve_RefusedWithAKey_ReplaysTheRefusal()
    {
        var id = await CreateIdAsync(NewRequest(80));
        var key = (KeyHeader, $"refused-{Guid.NewGuid():N}");

        var first = await ApproveAsync(id, Reviewer, null, key);
        var replay = await ApproveAsync(id, Reviewer, null, key);

        AssertProblem(first, HttpStatusCode.Forbidden, "insufficient_approval_level");
        AssertProblem(replay, HttpStatusCode.Forbidden, "insufficient_approval_level");
        Assert.Equal(first.Text, replay.Text);
        Assert.Equal(1, (await GetApprovalAsync(id))["version"]!.GetValue<long>());
    }
}
