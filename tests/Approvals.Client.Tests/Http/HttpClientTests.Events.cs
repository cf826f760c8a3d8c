using Approvals.Client.Tests.Support;
using Approvals.Contracts;
using Approvals.Testing.Storage;
using static Approvals.Client.Tests.Support.FaultInjection;

namespace Approvals.Client.Tests.Http;

public abstract partial class HttpClientTests<TServer>
{
    [StoreFact]
    public async Task StreamEvents_DeliversNewEventsOfTheChosenTypes()
    {
        var requester = ClientFor(Requester);
        using var deadline = new CancellationTokenSource(Deadline);
        var faults = new FaultInjection();
        var stream = ClientFor(Reviewer, faults).StreamEventsAsync(["approval.approved"], cancellationToken: deadline.Token).GetAsyncEnumerator(deadline.Token);
        var next = stream.MoveNextAsync().AsTask();
        // The stream starts at the end of the log: file and decide only once it is open.
        await Testing.Eventually.TrueAsync(() => Task.FromResult(faults.Attempts.Any(a => a.Path == "/v1/events")), Deadline, "the stream to open");
        var created = await requester.CreateAsync(Request());
        await ClientFor(Reviewer).ApproveAsync(created.Id, "ok");

        Assert.True(await next);
        Assert.Equal((EventTypes.ApprovalApproved, created.Id, "rob", Tenant), (stream.Current.Type, stream.Current.SubjectId, stream.Current.Actor, stream.Current.TenantId));
        Assert.StartsWith("evt_", stream.Current.Id, StringComparison.Ordinal);
        await deadline.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.MoveNextAsync());
        await stream.DisposeAsync();
    }

    [StoreFact]
    public async Task StreamEvents_ResumesAfterDroppedConnections_MissingAndRepeatingNothing()
    {
        var requester = ClientFor(Requester);
        var first = await requester.CreateAsync(Request("before the stream"));
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await requester.CreateAsync(Request($"request {i}"))).Id);
        }
        var after = await ClientFor(Admin).ListAuditAsync(new AuditListQuery { SubjectId = first.Id, Type = EventTypes.ApprovalRequested }).SingleAsync();
        // Every connection breaks after two events, halfway through the third.
        var faults = new FaultInjection();
        faults.When((request, _) => request.RequestUri!.AbsolutePath == "/v1/events" ? new Fault.CutStream(2) : null);
        using var deadline = new CancellationTokenSource(Deadline);

        var received = await ClientFor(Reviewer, faults).StreamEventsAsync(["approval.requested"], after.Id, deadline.Token).Take(ids.Count).ToListAsync(deadline.Token);

        Assert.Equal(ids, received.Select(e => e.SubjectId));
        var connections = faults.Attempts.Where(a => a.Path == "/v1/events").ToList();
        Assert.True(connections.Count >= 4, $"expected a reconnect every two events, saw {connections.Count} connections");
        // Each connection resumed right after the last event the one before it delivered.
        string?[] resumedFrom = [after.Id, .. received.Where((_, i) => i % 2 == 1).Select(e => e.Id)];
        Assert.Equal(resumedFrom.Take(connections.Count), connections.Select(c => c.Header("Last-Event-ID")));
    }

    [StoreFact]
    public async Task StreamEvents_FromAnUnknownEvent_IsRefused()
    {
        var error = await Assert.ThrowsAsync<ApprovalsApiException>(async () =>
            await ClientFor(Reviewer).StreamEventsAsync(lastEventId: "evt_unknown").FirstAsync());

        Assert.Equal(ErrorCodes.ValidationError, error.Code);
    }

    [StoreFact]
    public async Task Audit_ListsASubjectsEvents_AndVerifiesTheChains()
    {
        var created = await ClientFor(Requester).CreateAsync(Request());
        await ClientFor(Reviewer).ApproveAsync(created.Id);
        var admin = ClientFor(Admin);

        var trail = await admin.ListAuditAsync(new AuditListQuery { SubjectId = created.Id, PageSize = 1 }).ToListAsync();
        var verified = await admin.VerifyAuditAsync();
        var refused = await Assert.ThrowsAsync<ApprovalsApiException>(() => ClientFor(Reviewer).VerifyAuditAsync());

        Assert.Equal([EventTypes.ApprovalRequested, EventTypes.ApprovalApproved], trail.Select(e => e.Type));
        Assert.Equal(trail[0].Hash, trail[1].PrevHash);
        Assert.True(verified.Ok);
        Assert.Null(verified.Broken);
        Assert.Equal(2, verified.Checked);
        Assert.Equal(ErrorCodes.Forbidden, refused.Code);
    }
}
