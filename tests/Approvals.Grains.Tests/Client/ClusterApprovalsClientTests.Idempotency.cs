using System.Net;
using Approvals.Client;
using Approvals.Contracts;
using Approvals.Testing.Storage;

namespace Approvals.Grains.Tests.Client;

/// <summary>
/// Idempotency-Keys kept by the silo's command grain as the gateway keeps them: the key is claimed before the call,
/// the reply commits with the state change, a repeat replays it, another call under the key is refused.
/// </summary>
public abstract partial class ClusterApprovalsClientTests<TCluster>
{
    private static WriteOptions WithKey(string key) => new() { IdempotencyKey = key };

    [StoreFact]
    public async Task ARetriedCreate_WithItsKey_FilesOnce_AndReplaysTheFirstReply()
    {
        var key = $"remediate-db7-{Guid.NewGuid():N}";

        var first = await Requester.CreateAsync(Request(), WithKey(key));
        var retried = await Requester.CreateAsync(Request(), WithKey(key));

        Assert.Equal(first.Id, retried.Id);
        Assert.Equal(first.Version, retried.Version);
        Assert.Equal(first.CreatedAt, retried.CreatedAt);
        Assert.Equal(1, await Reviewer.CountAsync(ApprovalStatus.Pending));
        Assert.Equal([first.Id], (await Reviewer.ListAsync().ToListAsync()).Select(a => a.Id));
    }

    [StoreFact]
    public async Task ConcurrentCreates_WithOneKey_FileOnce()
    {
        var key = $"remediate-db7-{Guid.NewGuid():N}";

        var replies = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Requester.CreateAsync(Request(), WithKey(key))));

        Assert.Single(replies.Select(r => r.Id).Distinct());
        Assert.Equal(1, await Reviewer.CountAsync(ApprovalStatus.Pending));
    }

    [StoreFact]
    public async Task AKeyReused_WithAnotherRequest_IsRefused422_AndFilesNothing()
    {
        var key = $"remediate-db7-{Guid.NewGuid():N}";
        var first = await Requester.CreateAsync(Request("restart db-7"), WithKey(key));

        var otherBody = await Assert.ThrowsAsync<ApprovalsApiException>(() => Requester.CreateAsync(Request("restart db-8"), WithKey(key)));
        var otherCall = await Assert.ThrowsAsync<ApprovalsApiException>(() => Requester.CancelAsync(first.Id, "no", WithKey(key)));

        Assert.Equal((HttpStatusCode.UnprocessableEntity, ErrorCodes.IdempotencyKeyReused), (otherBody.Status, otherBody.Code));
        Assert.Equal("Idempotency key reused", otherBody.Problem!.Title);
        Assert.Equal(ErrorCodes.IdempotencyKeyReused, otherCall.Code);
        Assert.Equal(1, await Reviewer.CountAsync(ApprovalStatus.Pending));
        // Keys belong to their caller: another caller's same key is a key of its own.
        var other = await ClientAs(Person("user_req2", "requester")).CreateAsync(Request("restart db-8"), WithKey(key));
        Assert.NotEqual(first.Id, other.Id);
    }

    [StoreFact]
    public async Task ARetriedDecision_WithItsKey_ReplaysTheApproval_NotAConflict()
    {
        var created = await Requester.CreateAsync(Request());
        var key = $"approve-{Guid.NewGuid():N}";

        var first = await Reviewer.ApproveAsync(created.Id, "go", WithKey(key));
        var retried = await Reviewer.ApproveAsync(created.Id, "go", WithKey(key));
        var withoutKey = await Assert.ThrowsAsync<ApprovalsApiException>(() => Reviewer.ApproveAsync(created.Id, "go"));

        Assert.Equivalent(first, retried, strict: true);
        Assert.Equal(ErrorCodes.AlreadyResolved, withoutKey.Code);
    }

    [StoreFact]
    public async Task ARefusal_UnderAKey_IsReplayed_AsTheGatewayReplaysIt()
    {
        var created = await Requester.CreateAsync(Request());
        var key = $"self-{Guid.NewGuid():N}";
        // A requester who is also a reviewer may not decide their own request.
        var own = ClientAs(Person("user_req", "requester", "reviewer"));

        var first = await Assert.ThrowsAsync<ApprovalsApiException>(() => own.ApproveAsync(created.Id, null, WithKey(key)));
        await Reviewer.RejectAsync(created.Id, "no");
        var retried = await Assert.ThrowsAsync<ApprovalsApiException>(() => own.ApproveAsync(created.Id, null, WithKey(key)));

        Assert.Equal(ErrorCodes.SelfApprovalForbidden, first.Code);
        Assert.Equal(first.Problem, retried.Problem);
    }

    [StoreFact]
    public async Task ARetriedWorkflowStart_AndBulk_WithTheirKeys_RunOnce()
    {
        var startKey = $"wf-{Guid.NewGuid():N}";
        var started = await Ops.CreateWorkflowAsync(Remediation(), WithKey(startKey));
        var again = await Ops.CreateWorkflowAsync(Remediation(), WithKey(startKey));
        var bulkKey = $"bulk-{Guid.NewGuid():N}";

        var bulk = await Reviewer.BulkApproveAsync([started.PendingApprovalId!], "go", WithKey(bulkKey));
        var bulkAgain = await Reviewer.BulkApproveAsync([started.PendingApprovalId!], "go", WithKey(bulkKey));

        Assert.Equal(started.Id, again.Id);
        Assert.Single(await Reviewer.ListWorkflowsAsync().ToListAsync());
        Assert.Equal(new BulkResultDto(started.PendingApprovalId!, "approved", null), Assert.Single(bulk.Results));
        Assert.Equal(bulk.Results, bulkAgain.Results);
    }
}
