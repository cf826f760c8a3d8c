using System.Net;

namespace Approvals.Server.Tests.Events;

public abstract partial class EventsApiTests<TServer>
{
    [Testing.Storage.StoreFact]
    public async Task Stream_SendsTheTenantsEvents_WithIdLines_FilteredByTypeGlobs()
    {
        await using var all = await SseClient.ConnectAsync(Server.Client, Viewer);
        await using var cancellations = await SseClient.ConnectAsync(Server.Client, Viewer, "?types=*.cancelled,workflow.*");
        await using var approvals = await SseClient.ConnectAsync(Server.Client, Viewer, "?types=approval.*");

        var first = await CreateApprovalAsync(Requester);
        var outsiders = await CreateApprovalAsync(Outsider);
        await CancelAsync(Outsider, outsiders);
        await CancelAsync(Requester, first);
        var last = await CreateApprovalAsync(Requester);

        var seen = await all.ReadEventsUntilAsync(e => e.Count >= 3, Deadline, "three events");
        Assert.Equal(["approval.requested", "approval.cancelled", "approval.requested"], seen.Select(e => e.Data["type"]!.GetValue<string>()));
        Assert.Equal([first, first, last], seen.Select(e => e.Data["subject_id"]!.GetValue<string>()));
        var log = await AuditAsync(Admin);
        Assert.Equal(Ids(log), Ids(seen));
        foreach (var e in seen)
        {
            // id: is the event id, and the data is API.md's event shape.
            Assert.Equal(e.Id, e.Data["id"]!.GetValue<string>());
            Assert.StartsWith("evt_", e.Id, StringComparison.Ordinal);
            Assert.Equal(["id", "seq", "type", "tenant_id", "subject_id", "actor", "at", "data"], e.Data.Select(p => p.Key));
            Assert.Equal(Tenant, e.Data["tenant_id"]!.GetValue<string>());
            Assert.Equal("rita", e.Data["actor"]!.GetValue<string>());
        }
        Assert.True(seen[0].Data["seq"]!.GetValue<long>() < seen[1].Data["seq"]!.GetValue<long>());

        var cancelled = Assert.Single(await cancellations.ReadEventsUntilAsync(e => e.Count >= 1, Deadline, "the cancellation"));
        Assert.Equal(seen[1].Id, cancelled.Id);
        var approvalEvents = await approvals.ReadEventsUntilAsync(e => e.Count >= 3, Deadline, "three approval events");
        Assert.Equal(Ids(seen), Ids(approvalEvents));

        // Nothing else is queued for the filtered stream: the next matching event is the next one it gets.
        var third = await CreateApprovalAsync(Requester);
        await CancelAsync(Requester, third);
        var next = Assert.Single(await cancellations.ReadEventsUntilAsync(e => e.Count >= 1, Deadline, "the second cancellation"));
        Assert.Equal(third, next.Data["subject_id"]!.GetValue<string>());
    }

    [Testing.Storage.StoreFact]
    public async Task Stream_ReconnectWithLastEventId_UnderConcurrentWrites_MissesAndRepeatsNothing()
    {
        const int approvals = 30;
        var first = await SseClient.ConnectAsync(Server.Client, Viewer);
        using var stopWriting = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < approvals; i++)
            {
                var id = await CreateApprovalAsync(Requester, $"Deploy {i}");
                if (i % 3 == 0)
                {
                    await CancelAsync(Requester, id);
                }
            }
        });

        List<SseEvent> before;
        await using (first)
        {
            before = await first.ReadEventsUntilAsync(e => e.Count >= 8, Deadline, "eight events");
        }
        Assert.False(writer.IsCompleted, "the writer finished before the reconnect: nothing was written while reconnecting");
        // Reconnect (as an EventSource does) while the writer keeps going.
        await using var second = await SseClient.ConnectAsync(Server.Client, Viewer, lastEventId: before[^1].Id);
        await writer;
        var log = await AuditAsync(Admin);
        Assert.Equal(approvals + (approvals + 2) / 3, log.Count);

        var after = await second.ReadEventsUntilAsync(e => before.Count + e.Count >= log.Count, Deadline, "the rest of the log");

        Assert.Equal(Ids(log), Ids(before).Concat(Ids(after)));
    }

    [Testing.Storage.StoreFact]
    public async Task Stream_WhenIdle_SendsCommentPings()
    {
        await using var stream = await SseClient.ConnectAsync(Server.Client, Viewer);

        await stream.ReadUntilAsync(() => stream.Comments.Contains("ping"), Deadline, "a ping");
    }

    [Testing.Storage.StoreFact]
    public async Task Stream_UnknownOrForeignLastEventId_Is400()
    {
        await CreateApprovalAsync(Outsider);
        var foreign = (await AuditAsync(Outsider)).Single()["id"]!.GetValue<string>();

        var unknown = await Assert.ThrowsAsync<SseRefusedException>(() => SseClient.ConnectAsync(Server.Client, Viewer, lastEventId: "evt_nope"));
        var other = await Assert.ThrowsAsync<SseRefusedException>(() => SseClient.ConnectAsync(Server.Client, Viewer, lastEventId: foreign));

        Assert.Equal(400, unknown.Status);
        Assert.Contains("validation_error", unknown.Body, StringComparison.Ordinal);
        Assert.Equal(400, other.Status);
    }

    [Testing.Storage.StoreFact]
    public async Task Stream_WithoutAnyRole_Is403_AndBadTypes_Is400()
    {
        var nobody = Person("nora", "Nora Nobody");

        var forbidden = await Assert.ThrowsAsync<SseRefusedException>(() => SseClient.ConnectAsync(Server.Client, nobody));
        var invalid = await Assert.ThrowsAsync<SseRefusedException>(() => SseClient.ConnectAsync(Server.Client, Viewer, "?types=approval.%3F"));
        var anonymous = await Api.GetAsync("/v1/events", null);

        Assert.Equal(403, forbidden.Status);
        Assert.Equal(400, invalid.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
    }
}
