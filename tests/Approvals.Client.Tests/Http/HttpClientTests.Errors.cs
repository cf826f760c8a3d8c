using System.Net;
using Approvals.Contracts;
using Approvals.Testing.Storage;

namespace Approvals.Client.Tests.Http;

public abstract partial class HttpClientTests<TServer>
{
    [StoreFact]
    public async Task InvalidInput_Is400ValidationError_NamingTheField()
    {
        var error = await Assert.ThrowsAsync<ApprovalsApiException>(() => ClientFor(Requester).CreateAsync(new CreateApprovalRequest { RiskScore = 30 }));

        Assert.Equal((HttpStatusCode.BadRequest, ErrorCodes.ValidationError), (error.Status, error.Code));
        Assert.Contains("title", error.Errors.Keys);
        Assert.Equal(400, error.Problem!.Status);
    }

    [StoreFact]
    public async Task NoCredential_Is401Unauthorized()
    {
        var error = await Assert.ThrowsAsync<ApprovalsApiException>(() => ClientFor(null).ListPageAsync());

        Assert.Equal((HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized), (error.Status, error.Code));
    }

    [StoreFact]
    public async Task ForbiddenCalls_Are403_WithTheirCodes()
    {
        var requester = ClientFor(Requester);
        var created = await requester.CreateAsync(Request());
        var high = await requester.CreateAsync(Request("high", risk: 80));

        var viewer = await Assert.ThrowsAsync<ApprovalsApiException>(() => ClientFor(Person("vic", "Vic", "viewer")).CreateAsync(Request()));
        var self = await Assert.ThrowsAsync<ApprovalsApiException>(() => ClientFor(Person("rita", "Rita", "requester", "reviewer")).ApproveAsync(created.Id));
        var level = await Assert.ThrowsAsync<ApprovalsApiException>(() => ClientFor(Reviewer).ApproveAsync(high.Id));

        Assert.Equal((HttpStatusCode.Forbidden, ErrorCodes.Forbidden), (viewer.Status, viewer.Code));
        Assert.Equal((HttpStatusCode.Forbidden, ErrorCodes.SelfApprovalForbidden), (self.Status, self.Code));
        Assert.Equal((HttpStatusCode.Forbidden, ErrorCodes.InsufficientApprovalLevel), (level.Status, level.Code));
    }

    [StoreFact]
    public async Task UnknownIds_Are404NotFound()
    {
        var client = ClientFor(Reviewer);

        var approval = await Assert.ThrowsAsync<ApprovalsApiException>(() => client.GetAsync("apr_missing"));
        var decision = await Assert.ThrowsAsync<ApprovalsApiException>(() => client.ApproveAsync("apr_missing"));
        var workflow = await Assert.ThrowsAsync<ApprovalsApiException>(() => client.GetWorkflowAsync("wf_missing"));

        Assert.All([approval, decision, workflow], e => Assert.Equal((HttpStatusCode.NotFound, ErrorCodes.NotFound), (e.Status, e.Code)));
        Assert.Contains("apr_missing", approval.Detail, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task ASecondDecision_Is409AlreadyResolved_CarryingTheCurrentStatus()
    {
        var created = await ClientFor(Requester).CreateAsync(Request());
        var reviewer = ClientFor(Reviewer);
        await reviewer.ApproveAsync(created.Id);

        var error = await Assert.ThrowsAsync<ApprovalsApiException>(() => reviewer.RejectAsync(created.Id, "too late"));

        Assert.Equal((HttpStatusCode.Conflict, ErrorCodes.AlreadyResolved), (error.Status, error.Code));
        Assert.Equal(ApprovalStatus.Approved, error.CurrentStatus);
        Assert.Equal("approved", error.Problem!.CurrentStatus);
    }

    [StoreFact]
    public async Task AStaleIfMatch_Is412PreconditionFailed_CarryingTheCurrentVersion()
    {
        var requester = ClientFor(Requester);
        var created = await requester.CreateAsync(Request());
        await requester.ExtendAsync(created.Id, created.ExpiresAt.AddHours(1));

        var error = await Assert.ThrowsAsync<ApprovalsApiException>(() =>
            ClientFor(Reviewer).ApproveAsync(created.Id, "stale view", new WriteOptions { IfMatch = created.Version }));

        Assert.Equal((HttpStatusCode.PreconditionFailed, ErrorCodes.PreconditionFailed), (error.Status, error.Code));
        Assert.Equal(2, error.CurrentVersion);
        Assert.Equal("pending", (await requester.GetStatusAsync(created.Id)).Status);
    }

    [StoreFact]
    public async Task IfMatch_OnACallWithoutVersions_IsRefusedBeforeSending()
    {
        var faults = new Support.FaultInjection();
        var client = ClientFor(Requester, faults);

        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateAsync(Request(), new WriteOptions { IfMatch = 1 }));

        Assert.Equal(0, faults.Sent);
    }
}
