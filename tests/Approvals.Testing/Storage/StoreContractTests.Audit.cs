using Approvals.Contracts;
using Approvals.Core.Events;
using Approvals.Core.Storage;

namespace Approvals.Testing.Storage;

/// <summary>The audit side of the event log: request origins kept with events, filtered tenant pages, verification.</summary>
public abstract partial class StoreContractTests
{
    private IAuditLog Audit => Stores.Audit;

    private static readonly AuditContext Origin = new("203.0.113.7", "curl/8.5 \"quoted\", comma", "corr-123");

    [StoreFact]
    public async Task Events_KeepTheirRequestOrigin_AndStillVerify()
    {
        var a = NewApproval("apr_1");
        var withOrigin = Seal(a, null, Origin);
        var without = Seal(a with { Version = 2 }, withOrigin.Hash, null, EventTypes.ApprovalExtended);
        await SaveCommittedAsync(Create(a, [withOrigin, without]));

        var read = await Stores.Events.ReadSubjectAsync("apr_1", None);

        Assert.Equal(Origin, read[0].Audit);
        Assert.Null(read[1].Audit);
        Assert.All(read, e => Assert.Equal(EventHasher.ComputeHash(e), e.Hash));
        var page = await Audit.QueryAuditAsync(new AuditQuery("tenant-a"), None);
        Assert.Equal(Origin, page.Items[0].Audit);
        Assert.NotEqual(EventHasher.ComputeHash(read[0] with { Audit = Origin with { Ip = "198.51.100.1" } }), read[0].Hash);
    }

    [StoreFact]
    public async Task QueryAudit_FiltersByEveryField_OldestFirst()
    {
        var a = NewApproval("apr_a");
        var b = NewApproval("apr_b");
        var aRequested = Seal(a, null, null, at: T0);
        var bRequested = Seal(b, null, null, at: T0.AddMinutes(1), actor: "user_other");
        var aApproved = Seal(a with { Version = 2 }, aRequested.Hash, null, EventTypes.ApprovalApproved, T0.AddMinutes(2), "user_bob");
        await SaveCommittedAsync(Create(a, [aRequested, aApproved]), Create(b, [bRequested]));

        async Task<IEnumerable<string>> Ids(AuditQuery q) => (await Audit.QueryAuditAsync(q, None)).Items.Select(e => e.Id);

        Assert.Equal([aRequested.Id, aApproved.Id, bRequested.Id], await Ids(new AuditQuery("tenant-a")));
        Assert.Equal([aRequested.Id, aApproved.Id], await Ids(new AuditQuery("tenant-a") { SubjectId = "apr_a" }));
        Assert.Equal([aApproved.Id], await Ids(new AuditQuery("tenant-a") { Actor = "user_bob" }));
        Assert.Equal([aApproved.Id], await Ids(new AuditQuery("tenant-a") { Type = EventTypes.ApprovalApproved }));
        Assert.Equal([aApproved.Id, bRequested.Id], await Ids(new AuditQuery("tenant-a") { From = T0.AddMinutes(1) }));
        Assert.Equal([aRequested.Id, bRequested.Id], await Ids(new AuditQuery("tenant-a") { To = T0.AddMinutes(2) }));
    }

    [StoreFact]
    public async Task QueryAudit_PagesWithASeqCursor_WithoutGapsOrRepeats()
    {
        var written = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var e = Seal(NewApproval($"apr_{i}"), null, null);
            await SaveCommittedAsync(Create(NewApproval($"apr_{i}"), [e]));
            written.Add(e.Id);
        }
        var seen = new List<string>();
        var query = new AuditQuery("tenant-a") { Limit = 3 };
        var pages = 0;
        while (true)
        {
            var page = await Audit.QueryAuditAsync(query, None);
            pages++;
            seen.AddRange(page.Items.Select(e => e.Id));
            if (page.NextAfterSeq is not { } next)
            {
                break;
            }
            Assert.Equal(page.Items[^1].Seq, next);
            query = query with { AfterSeq = next };
        }
        Assert.Equal(written, seen);
        Assert.Equal(3, pages);
    }

    [StoreFact]
    public async Task FindEventSeq_AndLatestSeq_AreTenantScoped()
    {
        Assert.Equal(0, await Audit.LatestSeqAsync(None));
        var mine = await CreateWithEventAsync(NewApproval("apr_mine"));
        var theirs = await CreateWithEventAsync(NewApproval("apr_theirs", tenantId: "tenant-b"));
        var stored = await Stores.Events.ReadSubjectAsync("apr_mine", None);

        Assert.Equal(stored[0].Seq, await Audit.FindEventSeqAsync("tenant-a", mine.Id, None));
        Assert.Null(await Audit.FindEventSeqAsync("tenant-a", theirs.Id, None));
        Assert.Null(await Audit.FindEventSeqAsync("tenant-a", "evt_unknown", None));
        Assert.Equal((await Stores.Events.ReadSubjectAsync("apr_theirs", None))[0].Seq, await Audit.LatestSeqAsync(None));
        Assert.Equal([mine.Id], (await Audit.QueryAuditAsync(new AuditQuery("tenant-a"), None)).Items.Select(e => e.Id));
        Assert.Equal([theirs.Id], (await Audit.QueryAuditAsync(new AuditQuery("tenant-b"), None)).Items.Select(e => e.Id));
    }

    [StoreFact]
    public async Task Verify_IntactChains_AreOk()
    {
        var a = NewApproval("apr_a");
        var first = Seal(a, null, Origin);
        var second = Seal(a with { Version = 2 }, first.Hash, null, EventTypes.ApprovalApproved);
        await SaveCommittedAsync(Create(a, [first, second]));
        await CreateWithEventAsync(NewApproval("apr_b"));

        var result = await AuditVerifier.VerifyAsync(Audit, "tenant-a", 2, None);

        Assert.Equal(new AuditVerification(3, null), result);
    }

    [StoreFact]
    public async Task Verify_ABrokenLink_IsNamed()
    {
        var a = NewApproval("apr_a");
        var first = Seal(a, null, null);
        // Links to nothing: as if the event before it had been deleted.
        var orphan = Seal(a with { Version = 2 }, "0000", null, EventTypes.ApprovalApproved);
        await SaveCommittedAsync(Create(a, [first, orphan]));

        var result = await AuditVerifier.VerifyAsync(Audit, "tenant-a", 10, None);

        Assert.Equal(new BrokenLink("apr_a", orphan.Id, AuditVerifier.PrevHashMismatch), result.Broken);
        Assert.Equal(2, result.Checked);
    }

    private static EventRecord Seal(Core.Approvals.ApprovalState subject, string? prevHash, AuditContext? origin, string type = EventTypes.ApprovalRequested,
        DateTimeOffset? at = null, string actor = "user_req") =>
        EventHasher.Seal(
            $"evt_{Guid.NewGuid():N}",
            new NewEvent(type, actor, new System.Text.Json.Nodes.JsonObject { ["version"] = subject.Version }),
            subject.TenantId,
            subject.Id,
            at ?? subject.UpdatedAt,
            prevHash,
            origin);
}
