namespace Approvals.Contracts;

/// <summary>The event types written to the event log (see API.md, "Events").</summary>
public static class EventTypes
{
    /// <summary>A request was filed.</summary>
    public const string ApprovalRequested = "approval.requested";
    /// <summary>A quorum vote that did not yet decide the request.</summary>
    public const string ApprovalDecisionRecorded = "approval.decision_recorded";
    /// <summary>The request was approved (terminal).</summary>
    public const string ApprovalApproved = "approval.approved";
    /// <summary>The request was rejected (terminal).</summary>
    public const string ApprovalRejected = "approval.rejected";
    /// <summary>The request expired undecided (terminal).</summary>
    public const string ApprovalExpired = "approval.expired";
    /// <summary>The request was withdrawn (terminal).</summary>
    public const string ApprovalCancelled = "approval.cancelled";
    /// <summary>The deadline passed and the request escalated to a higher level.</summary>
    public const string ApprovalEscalated = "approval.escalated";
    /// <summary>The deadline was moved.</summary>
    public const string ApprovalExtended = "approval.extended";

    /// <summary>The types that end an approval request.</summary>
    public static IReadOnlySet<string> ApprovalTerminal { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        ApprovalApproved, ApprovalRejected, ApprovalExpired, ApprovalCancelled,
    };
}

/// <summary>The workflow event types of the log.</summary>
public static class WorkflowEventTypes
{
    public const string Started = "workflow.started";
    public const string WaitingApproval = "workflow.waiting_approval";
    public const string TaskReady = "workflow.task_ready";
    public const string Resumed = "workflow.resumed";
    public const string Completed = "workflow.completed";
    public const string Failed = "workflow.failed";
    public const string Cancelled = "workflow.cancelled";
}
