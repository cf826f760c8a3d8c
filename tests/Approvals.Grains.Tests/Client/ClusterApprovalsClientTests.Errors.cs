using System.Net;
using Approvals.Client;
using Approvals.Contracts;
using Approvals.Testing.Storage;

namespace Approvals.Grains.Tests.Client;

/// <summary>Refusals carry the problem the gateway would answer with, so the exception reads as over HTTP.</summary>
public abstract partial class ClusterApprovalsClientTests<TCluster>
{
    [StoreFact]
    public async Task ADecisionOnADecidedRequest_Is409AlreadyResolved_WithItsCurrentStatus()
    {
        var created = await Requester.CreateAsync(Request());
        await Reviewer.ApproveAsync(created.Id, "go");

        var refused = await Assert.ThrowsAsync<ApprovalsApiException>(() => ClientAs(Person("user_rev2", "reviewer")).RejectAsync(created.Id, "too late"));

        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.Equal(ErrorCodes.AlreadyResolved, refused.Code);
        Assert.Equal(ApprovalStatus.Approved, refused.CurrentStatus);
        Assert.Equal(new ApiProblem("about:blank", "Already resolved", 409, "The request is already approved.", ErrorCodes.AlreadyResolved)
        {
            CurrentStatus = "approved",
        }, refused.Problem);
    }

    [StoreFact]
    public async Task AWriteAtAnOlderVersion_Is412_WithTheCurrentVersion()
    {
        var created = await Requester.CreateAsync(Request());
        var extended = await Requester.ExtendAsync(created.Id, cluster.Clock.GetUtcNow().AddHours(48), new WriteOptions { IfMatch = created.Version });

        var refused = await Assert.ThrowsAsync<ApprovalsApiException>(() =>
            Requester.CancelAsync(created.Id, "changed my mind", new WriteOptions { IfMatch = created.Version }));

        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.Status);
        Assert.Equal(ErrorCodes.PreconditionFailed, refused.Code);
        Assert.NotEqual(created.Version, extended.Version);
        Assert.Equal(extended.Version, refused.CurrentVersion);
        Assert.Equal($"\"{extended.Version}\"", refused.Problem!.Etag);
        Assert.Equal("pending", (await Requester.GetAsync(created.Id)).Status);
    }

    [StoreFact]
    public async Task AnInvalidRequest_Is400ValidationError_WithItsFieldErrors()
    {
        var refused = await Assert.ThrowsAsync<ApprovalsApiException>(() =>
            Requester.CreateAsync(new CreateApprovalRequest { Title = "", RiskScore = 101 }));

        // validation_error is 400 on the gateway (API.md, "Errors"), and so it is here.
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal(ErrorCodes.ValidationError, refused.Code);
        Assert.Equal(400, refused.Problem!.Status);
        Assert.Equal("Invalid request", refused.Problem.Title);
        Assert.Equal(["title is required."], refused.Errors["title"]);
        Assert.Equal(["risk_score must be between 0 and 100."], refused.Errors["risk_score"]);
        Assert.Null(refused.CurrentStatus);
        Assert.Null(refused.CurrentVersion);
    }

    [StoreFact]
    public async Task AKeyWithoutTheReadScope_IsRefused403_AsOverHttp()
    {
        var created = await Requester.CreateAsync(Request());
        var writer = ClientAs(Key("approvals:create"));

        var get = await Assert.ThrowsAsync<ApprovalsApiException>(() => writer.GetAsync(created.Id));
        var wait = await Assert.ThrowsAsync<ApprovalsApiException>(() => writer.WaitForDecisionAsync(created.Id, NoRenewal));
        var list = await Assert.ThrowsAsync<ApprovalsApiException>(() => writer.ListPageAsync());
        var count = await Assert.ThrowsAsync<ApprovalsApiException>(() => writer.CountByStatusAsync());

        Assert.All(new[] { get, wait, list, count }, refused =>
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
            Assert.Equal(ErrorCodes.Forbidden, refused.Code);
            Assert.Equal("Reading approvals needs a role or the approvals:read scope.", refused.Detail);
        });
        Assert.Equal("pending", (await ClientAs(Key("approvals:read")).GetStatusAsync(created.Id)).Status);
    }
}
