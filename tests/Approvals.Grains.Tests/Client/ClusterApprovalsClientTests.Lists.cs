using System.Net;
using Approvals.Client;
using Approvals.Contracts;
using Approvals.Testing.Storage;

namespace Approvals.Grains.Tests.Client;

/// <summary>Lists and counts, answered on the silo from the store (the client cannot reach the database) with the gateway's query and rules.</summary>
public abstract partial class ClusterApprovalsClientTests<TCluster>
{
    /// <summary>Files <paramref name="count"/> requests a second apart (grain time), so newest first is the reverse of filing.</summary>
    private async Task<List<ApprovalDto>> FileAsync(int count)
    {
        var filed = new List<ApprovalDto>();
        for (var i = 0; i < count; i++)
        {
            cluster.Clock.Advance(TimeSpan.FromSeconds(1));
            filed.Add(await Requester.CreateAsync(Request($"restart db-{i}")));
        }
        return filed;
    }

    [StoreFact]
    public async Task ListAsync_FollowsCursorsAcrossPages_NewestFirst()
    {
        var filed = await FileAsync(5);
        var query = new ApprovalListQuery { PageSize = 2 };

        var first = await Reviewer.ListPageAsync(query);
        var second = await Reviewer.ListPageAsync(query, first.NextCursor);
        var all = await Reviewer.ListAsync(query).ToListAsync();

        Assert.Equal([filed[4].Id, filed[3].Id], first.Data.Select(a => a.Id));
        Assert.Equal([filed[2].Id, filed[1].Id], second.Data.Select(a => a.Id));
        Assert.NotNull(second.NextCursor);
        Assert.Equal(filed.Select(a => a.Id).Reverse(), all.Select(a => a.Id));
    }

    [StoreFact]
    public async Task ListPage_Filters_AsTheGatewayDoes()
    {
        var filed = await FileAsync(3);
        await Reviewer.ApproveAsync(filed[1].Id);

        var approved = await Reviewer.ListPageAsync(new ApprovalListQuery { Status = ApprovalStatus.Approved });
        var high = await Reviewer.ListPageAsync(new ApprovalListQuery { RiskLevel = RiskLevel.High });
        var byRequester = await Reviewer.ListPageAsync(new ApprovalListQuery { RequestedBy = "user_req", CreatedAfter = filed[0].CreatedAt });

        Assert.Equal([filed[1].Id], approved.Data.Select(a => a.Id));
        Assert.Null(approved.NextCursor);
        Assert.Empty(high.Data);
        Assert.Equal([filed[2].Id, filed[1].Id], byRequester.Data.Select(a => a.Id));
    }

    [StoreFact]
    public async Task ListPage_WithACursorItNeverGave_Is400NamingIt()
    {
        var refused = await Assert.ThrowsAsync<ApprovalsApiException>(() => Reviewer.ListPageAsync(new ApprovalListQuery { PageSize = 101 }, "not-a-cursor"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal(["cursor is not one this API returned."], refused.Errors["cursor"]);
        Assert.Equal(["limit must be a whole number from 1 to 100."], refused.Errors["limit"]);
    }

    [StoreFact]
    public async Task Counts_AreTheTenantsOwn_PerStatus()
    {
        var filed = await FileAsync(3);
        await Reviewer.RejectAsync(filed[0].Id, "no");

        var pending = await Reviewer.CountAsync(ApprovalStatus.Pending);
        var byStatus = await Reviewer.CountByStatusAsync();

        Assert.Equal(2, pending);
        Assert.Equal(new Dictionary<ApprovalStatus, long>
        {
            [ApprovalStatus.Pending] = 2, [ApprovalStatus.Approved] = 0, [ApprovalStatus.Rejected] = 1,
            [ApprovalStatus.Expired] = 0, [ApprovalStatus.Cancelled] = 0,
        }, byStatus);
    }
}
