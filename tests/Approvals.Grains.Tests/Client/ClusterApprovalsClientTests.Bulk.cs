using System.Net;
using Approvals.Client;
using Approvals.Contracts;
using Approvals.Testing.Storage;

namespace Approvals.Grains.Tests.Client;

/// <summary>Bulk decisions: each id on its own, one result per id in order, as <c>POST /v1/approvals/bulk-approve</c> answers.</summary>
public abstract partial class ClusterApprovalsClientTests<TCluster>
{
    [StoreFact]
    public async Task BulkApprove_DecidesEachIdOnItsOwn_AndAnswersPerId()
    {
        var first = await Requester.CreateAsync(Request("restart db-1"));
        var second = await Requester.CreateAsync(Request("restart db-2"));
        var rejected = await Requester.CreateAsync(Request("restart db-3"));
        await Reviewer.RejectAsync(rejected.Id, "no");

        var bulk = await Reviewer.BulkApproveAsync([first.Id, "apr_missing", rejected.Id, second.Id], "all fine");

        Assert.Equal([first.Id, "apr_missing", rejected.Id, second.Id], bulk.Results.Select(r => r.Id));
        Assert.Equal(new BulkResultDto(first.Id, "approved", null), bulk.Results[0]);
        Assert.Equal(ErrorCodes.NotFound, bulk.Results[1].Error!.Code);
        Assert.Null(bulk.Results[1].Status);
        Assert.Equal("rejected", bulk.Results[2].Status);
        Assert.Equal(ErrorCodes.AlreadyResolved, bulk.Results[2].Error!.Code);
        Assert.Equal(new BulkResultDto(second.Id, "approved", null), bulk.Results[3]);
        Assert.Equal("all fine", (await Requester.GetAsync(second.Id)).DecisionNote);
    }

    [StoreFact]
    public async Task BulkReject_RejectsEach_WithTheReason()
    {
        var first = await Requester.CreateAsync(Request("restart db-1"));
        var second = await Requester.CreateAsync(Request("restart db-2"));

        var bulk = await Reviewer.BulkRejectAsync([first.Id, second.Id], "maintenance freeze");

        Assert.All(bulk.Results, r => Assert.Equal(("rejected", (BulkErrorDto?)null), (r.Status, r.Error)));
        Assert.Equal("maintenance freeze", (await Requester.GetAsync(first.Id)).DecisionNote);
    }

    [StoreFact]
    public async Task Bulk_IsRefusedAsAWhole_ForAnApiKey_AndForTooManyIds()
    {
        var created = await Requester.CreateAsync(Request());

        var key = await Assert.ThrowsAsync<ApprovalsApiException>(() => ClientAs(Key("approvals:create", "approvals:read")).BulkApproveAsync([created.Id]));
        var tooMany = await Assert.ThrowsAsync<ApprovalsApiException>(() => Reviewer.BulkApproveAsync([.. Enumerable.Range(0, 101).Select(i => $"apr_{i}")]));
        var none = await Assert.ThrowsAsync<ApprovalsApiException>(() => Reviewer.BulkRejectAsync([]));

        Assert.Equal((HttpStatusCode.Forbidden, ErrorCodes.Forbidden), (key.Status, key.Code));
        Assert.Equal((HttpStatusCode.BadRequest, ErrorCodes.ValidationError), (tooMany.Status, tooMany.Code));
        Assert.True(tooMany.Errors.ContainsKey("ids"));
        Assert.True(none.Errors.ContainsKey("ids"));
        Assert.Equal("pending", (await Requester.GetAsync(created.Id)).Status);
        Assert.Throws<ArgumentException>(() => { _ = Reviewer.BulkApproveAsync([created.Id], options: new WriteOptions { IfMatch = 1 }); });
    }
}
