using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;

namespace Approvals.Testing.Storage;

/// <summary>
/// Rows as a schema from before the due-work migration holds them (no due_at), and when each run is due
/// once the migration has computed it from its stored state. Each backend's test writes them with plain
/// SQL into a schema migrated up to just before, migrates the rest, and compares
/// <see cref="IDueWorkStore.ReadDueWorkflowsAsync"/> at <see cref="ReadAt"/> with <see cref="Expected"/>.
/// </summary>
public static class DueWorkBackfill
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Late enough for every due time below.</summary>
    public static readonly DateTimeOffset ReadAt = T0.AddDays(1);

    /// <summary>The approvals the effects below refer to (a filed one, a cancelled one, one still pending).</summary>
    public static IReadOnlyList<ApprovalState> Approvals { get; } =
    [
        Approval("apr_filed", ApprovalStatus.Pending),
        Approval("apr_cancelled", ApprovalStatus.Cancelled),
        Approval("apr_still_pending", ApprovalStatus.Pending),
    ];

    /// <summary>Workflow runs of every kind, with the due time the migration must give each (null: never due).</summary>
    public static IReadOnlyList<(WorkflowState Run, DateTimeOffset? DueAt)> Runs { get; } =
    [
        // A delay: its end, to the microsecond, with a fraction and without one (the JSON then has none).
        (Run("wf_delayed", WorkflowStatus.Delayed) with { WakeAt = T0.AddMinutes(30).AddTicks(1_234_560) }, T0.AddMinutes(30).AddTicks(1_234_560)),
        (Run("wf_delayed_whole", WorkflowStatus.Delayed) with { WakeAt = T0.AddMinutes(20) }, T0.AddMinutes(20)),
        (Run("wf_delayed_later", WorkflowStatus.Delayed) with { WakeAt = T0.AddHours(5) }, T0.AddHours(5)),
        // A task timeout.
        (Run("wf_task", WorkflowStatus.WaitingTask) with { WakeAt = T0.AddMinutes(45).AddTicks(10) }, T0.AddMinutes(45).AddTicks(10)),
        // Effects: done (the approvals table shows it) or owed (due at the run's last write).
        (Run("wf_filed", WorkflowStatus.WaitingApproval) with { PendingEffect = Filing("apr_filed") }, null),
        (Run("wf_to_file", WorkflowStatus.WaitingApproval) with { PendingEffect = Filing("apr_never_filed") }, T0.AddMinutes(3)),
        (Run("wf_cancel_done", WorkflowStatus.Cancelled) with { PendingEffect = new WorkflowEffect.CancelApproval("apr_cancelled") }, null),
        (Run("wf_cancel_owed", WorkflowStatus.Cancelled) with { PendingEffect = new WorkflowEffect.CancelApproval("apr_still_pending") }, T0.AddMinutes(3)),
        // Nothing due.
        (Run("wf_active", WorkflowStatus.Active), null),
        (Run("wf_completed", WorkflowStatus.Completed), null),
    ];

    /// <summary>What the catch-up must read after the migration, in order.</summary>
    public static IReadOnlyList<DueItem> Expected =>
    [
        .. Runs.Where(r => r.DueAt is not null)
            .Select(r => new DueItem(r.Run.TenantId, r.Run.Id, r.DueAt!.Value))
            .OrderBy(d => d.DueAt)
            .ThenBy(d => d.Id, StringComparer.Ordinal),
    ];

    private static WorkflowState Run(string id, WorkflowStatus status) =>
        TestWorkflows.New(id, createdAt: T0) with { Status = status, UpdatedAt = T0.AddMinutes(3), Version = 2 };

    private static WorkflowEffect.FileApproval Filing(string approvalId) => new(approvalId, "build", new CreateApprovalRequest { Title = "x" });

    private static ApprovalState Approval(string id, ApprovalStatus status) => new()
    {
        Id = id,
        TenantId = "tenant-a",
        Status = status,
        Title = $"Deploy {id}",
        RiskScore = 10,
        RequiredApprovalLevel = 1,
        ContextJson = "{}",
        RequestedBy = "user_req",
        Policy = ApprovalPolicy.Default,
        Decisions = [],
        ExpiresAt = T0.AddHours(1),
        CreatedAt = T0,
        UpdatedAt = T0,
        Version = 1,
    };
}
