using Approvals.Contracts;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;

namespace Approvals.Testing.Storage;

/// <summary>What has fallen due, for the start-up catch-up: overdue pending approvals and due workflow runs, paged by keyset.</summary>
public abstract partial class StoreContractTests
{
    private IDueWorkStore DueWork => Stores.DueWork;

    private static readonly DateTimeOffset CatchUpAt = T0.AddHours(1);

    /// <summary>Every page after <paramref name="from"/> (from the start by default), <paramref name="pageSize"/> at a time, as the catch-up reads them.</summary>
    private static async Task<List<DueItem>> ReadAllAsync(Func<DuePosition?, Task<IReadOnlyList<DueItem>>> read, int pageSize, DuePosition? from = null)
    {
        var all = new List<DueItem>();
        var after = from;
        while (true)
        {
            var page = await read(after);
            Assert.True(page.Count <= pageSize);
            all.AddRange(page);
            if (page.Count < pageSize)
            {
                return all;
            }
            after = page[^1].Position;
        }
    }

    private static WorkflowState Run(string id, WorkflowStatus status, DateTimeOffset? wakeAt = null, WorkflowEffect? effect = null,
        DateTimeOffset? updatedAt = null, string tenantId = "tenant-a") =>
        TestWorkflows.New(id, tenantId) with { Status = status, WakeAt = wakeAt, PendingEffect = effect, UpdatedAt = updatedAt ?? T0 };

    private static WorkflowEffect.FileApproval Filing(string approvalId) => new(approvalId, "build", new CreateApprovalRequest { Title = "x" });

    [StoreFact]
    public async Task OverdueApprovals_AreThePendingOnesAtOrPastTheirDeadline_ByDeadlineThenId_OfEveryTenant()
    {
        await SaveCommittedAsync(
            Create(NewApproval("apr_late") with { ExpiresAt = T0.AddMinutes(30) }),
            Create(NewApproval("apr_b_exact") with { ExpiresAt = CatchUpAt }),
            Create(NewApproval("apr_a_exact") with { ExpiresAt = CatchUpAt }),
            Create(NewApproval("apr_other", tenantId: "tenant-b") with { ExpiresAt = T0.AddMinutes(20) }),
            Create(NewApproval("apr_future") with { ExpiresAt = CatchUpAt.AddTicks(10) }),
            Create(NewApproval("apr_decided") with { ExpiresAt = T0.AddMinutes(10), Status = ApprovalStatus.Approved }),
            Create(NewApproval("apr_expired") with { ExpiresAt = T0.AddMinutes(10), Status = ApprovalStatus.Expired }));

        var due = await DueWork.ReadOverdueApprovalsAsync(CatchUpAt, 100, null, None);

        Assert.Equal(
            [
                new DueItem("tenant-b", "apr_other", T0.AddMinutes(20)),
                new DueItem("tenant-a", "apr_late", T0.AddMinutes(30)),
                new DueItem("tenant-a", "apr_a_exact", CatchUpAt),
                new DueItem("tenant-a", "apr_b_exact", CatchUpAt),
            ],
            due);
    }

    [StoreFact]
    public async Task OverdueApprovals_LeaveTheListOnceDecidedOrExtended()
    {
        var decided = NewApproval("apr_decided") with { ExpiresAt = T0.AddMinutes(10) };
        var extended = NewApproval("apr_extended") with { ExpiresAt = T0.AddMinutes(20) };
        await SaveCommittedAsync(Create(decided), Create(extended), Create(NewApproval("apr_left") with { ExpiresAt = T0.AddMinutes(30) }));

        await SaveCommittedAsync(
            Update(decided with { Status = ApprovalStatus.Expired, Version = 2 }, 1, null),
            Update(extended with { ExpiresAt = CatchUpAt.AddHours(1), Version = 2 }, 1, null));

        Assert.Equal(["apr_left"], (await DueWork.ReadOverdueApprovalsAsync(CatchUpAt, 100, null, None)).Select(d => d.Id));
    }

    [StoreFact]
    public async Task OverdueApprovals_PageByKeyset_AndResumeAfterTheLastRead_EvenWhenItIsDecidedMeanwhile()
    {
        // Seven overdue with ties on the deadline, and one not yet due.
        var deadlines = new[] { 5, 5, 5, 10, 10, 20, 30 };
        var states = deadlines.Select((minutes, i) => NewApproval($"apr_{i}") with { ExpiresAt = T0.AddMinutes(minutes) }).ToList();
        await SaveCommittedAsync([.. states.Select(s => Create(s)), Create(NewApproval("apr_future") with { ExpiresAt = CatchUpAt.AddMinutes(1) })]);

        var first = await DueWork.ReadOverdueApprovalsAsync(CatchUpAt, 3, null, None);
        // The catch-up drives the page it read: those rows leave the index before the next page is read.
        await SaveCommittedAsync([.. states.Take(3).Select(s => Update(s with { Status = ApprovalStatus.Expired, Version = 2 }, 1, null))]);
        var rest = await ReadAllAsync(after => DueWork.ReadOverdueApprovalsAsync(CatchUpAt, 3, after, None), 3, from: first[^1].Position);

        Assert.Equal(["apr_0", "apr_1", "apr_2"], first.Select(d => d.Id));
        Assert.Equal(["apr_3", "apr_4", "apr_5", "apr_6"], rest.Select(d => d.Id));
    }

    [StoreFact]
    public async Task OverdueApprovals_ReadInPages_AreEachReadOnce_InOrder()
    {
        var states = Enumerable.Range(0, 25).Select(i => NewApproval($"apr_{i:00}") with { ExpiresAt = T0.AddMinutes(i % 4) }).ToList();
        await SaveCommittedAsync([.. states.Select(s => Create(s))]);

        var paged = await ReadAllAsync(after => DueWork.ReadOverdueApprovalsAsync(CatchUpAt, 4, after, None), 4);
        var whole = await DueWork.ReadOverdueApprovalsAsync(CatchUpAt, 100, null, None);

        Assert.Equal(25, whole.Count);
        Assert.Equal(whole, paged);
        Assert.Equal(states.OrderBy(s => s.ExpiresAt).ThenBy(s => s.Id, StringComparer.Ordinal).Select(s => s.Id), paged.Select(d => d.Id));
    }

    [StoreFact]
    public async Task DueWorkflows_AreRunsWhoseDelayOrTimeoutEnded_OrThatOweAnEffect_ByDueTime()
    {
        await SaveCommittedAsync(
            Create(Run("wf_delay_over", WorkflowStatus.Delayed, wakeAt: T0.AddMinutes(30))),
            Create(Run("wf_timeout_over", WorkflowStatus.WaitingTask, wakeAt: CatchUpAt, tenantId: "tenant-b")),
            Create(Run("wf_delay_ahead", WorkflowStatus.Delayed, wakeAt: CatchUpAt.AddTicks(10))),
            Create(Run("wf_filing", WorkflowStatus.WaitingApproval, effect: Filing("apr_1"), updatedAt: T0.AddMinutes(5))),
            Create(Run("wf_cancelled", WorkflowStatus.Cancelled, effect: new WorkflowEffect.CancelApproval("apr_2"), updatedAt: T0.AddMinutes(40))),
            Create(Run("wf_active", WorkflowStatus.Active)),
            Create(Run("wf_waiting_task", WorkflowStatus.WaitingTask)),
            Create(Run("wf_done", WorkflowStatus.Completed)));

        var due = await DueWork.ReadDueWorkflowsAsync(CatchUpAt, 100, null, None);

        Assert.Equal(
            [
                new DueItem("tenant-a", "wf_filing", T0.AddMinutes(5)),
                new DueItem("tenant-a", "wf_delay_over", T0.AddMinutes(30)),
                new DueItem("tenant-a", "wf_cancelled", T0.AddMinutes(40)),
                new DueItem("tenant-b", "wf_timeout_over", CatchUpAt),
            ],
            due);
    }

    [StoreFact]
    public async Task DueWorkflows_AnEffectRecordedDone_IsNoLongerDue_ButTheRunsWakeUpStillIs()
    {
        var filing = Run("wf_filing", WorkflowStatus.WaitingApproval, effect: Filing("apr_1"), updatedAt: T0.AddMinutes(5));
        var both = Run("wf_both", WorkflowStatus.WaitingTask, wakeAt: T0.AddMinutes(50), effect: new WorkflowEffect.CancelApproval("apr_2"), updatedAt: T0.AddMinutes(5));
        await SaveCommittedAsync(Create(filing), Create(both));
        Assert.Equal(["wf_both", "wf_filing"], (await DueWork.ReadDueWorkflowsAsync(CatchUpAt, 100, null, None)).Select(d => d.Id).Order(StringComparer.Ordinal));

        await DueWork.EffectDoneAsync("wf_filing", 1, null, None);
        await DueWork.EffectDoneAsync("wf_both", 1, both.WakeAt, None);

        Assert.Equal([new DueItem("tenant-a", "wf_both", T0.AddMinutes(50))], await DueWork.ReadDueWorkflowsAsync(CatchUpAt, 100, null, None));
        Assert.Empty(await DueWork.ReadDueWorkflowsAsync(T0.AddMinutes(49), 100, null, None));
        // A hint beside the state: the run itself is unchanged.
        Assert.Equal(1, (await Stores.State.LoadWorkflowAsync("wf_filing", None))!.State.Version);
    }

    [StoreFact]
    public async Task DueWorkflows_AnEffectRecordedDoneForAnOlderVersion_ChangesNothing_AndEveryWriteSetsTheDueTimeAgain()
    {
        var filing = Run("wf_1", WorkflowStatus.WaitingApproval, effect: Filing("apr_1"), updatedAt: T0.AddMinutes(5));
        await SaveCommittedAsync(Create(filing));
        var cancelled = filing with { Status = WorkflowStatus.Cancelled, PendingEffect = new WorkflowEffect.CancelApproval("apr_1"), UpdatedAt = T0.AddMinutes(6), Version = 2 };
        await SaveCommittedAsync(Update(cancelled, 1, null));

        // The effect of version 1 is reported done after version 2 committed: version 2's effect is still owed.
        await DueWork.EffectDoneAsync("wf_1", 1, null, None);
        Assert.Equal([new DueItem("tenant-a", "wf_1", T0.AddMinutes(6))], await DueWork.ReadDueWorkflowsAsync(CatchUpAt, 100, null, None));

        await DueWork.EffectDoneAsync("wf_1", 2, null, None);
        Assert.Empty(await DueWork.ReadDueWorkflowsAsync(CatchUpAt, 100, null, None));

        var delayed = filing with { Status = WorkflowStatus.Delayed, PendingEffect = null, WakeAt = T0.AddMinutes(45), Version = 3 };
        await SaveCommittedAsync(Update(delayed, 2, null));
        Assert.Equal([new DueItem("tenant-a", "wf_1", T0.AddMinutes(45))], await DueWork.ReadDueWorkflowsAsync(CatchUpAt, 100, null, None));
        var completed = delayed with { Status = WorkflowStatus.Completed, WakeAt = null, Version = 4 };
        await SaveCommittedAsync(Update(completed, 3, null));
        Assert.Empty(await DueWork.ReadDueWorkflowsAsync(CatchUpAt, 100, null, None));
    }

    [StoreFact]
    public async Task DueWorkflows_ReadInPages_AreEachReadOnce_InOrder()
    {
        var runs = Enumerable.Range(0, 13)
            .Select(i => Run($"wf_{i:00}", WorkflowStatus.Delayed, wakeAt: T0.AddMinutes(i % 3)))
            .Append(Run("wf_ahead", WorkflowStatus.Delayed, wakeAt: CatchUpAt.AddMinutes(1)))
            .ToList();
        await SaveCommittedAsync([.. runs.Select(r => Create(r))]);

        var paged = await ReadAllAsync(after => DueWork.ReadDueWorkflowsAsync(CatchUpAt, 5, after, None), 5);

        Assert.Equal(
            runs.Take(13).OrderBy(r => r.WakeAt).ThenBy(r => r.Id, StringComparer.Ordinal).Select(r => r.Id),
            paged.Select(d => d.Id));
    }

    [StoreFact]
    public async Task DueWork_RefusesAPageOfNothing()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => DueWork.ReadOverdueApprovalsAsync(CatchUpAt, 0, null, None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => DueWork.ReadDueWorkflowsAsync(CatchUpAt, 0, null, None));
    }
}
