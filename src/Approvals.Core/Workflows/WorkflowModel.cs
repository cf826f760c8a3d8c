using Approvals.Contracts;
using Approvals.Core.Principals;

namespace Approvals.Core.Workflows;

/// <summary>The status of a workflow run. Completed, failed and cancelled are final.</summary>
public enum WorkflowStatus
{
    Active,
    WaitingApproval,
    WaitingTask,
    Delayed,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>The kind of a step.</summary>
public enum StepType
{
    /// <summary>Files an approval request and waits for its decision.</summary>
    Approval,
    /// <summary>Done by an external worker, told by <c>workflow.task_ready</c>, who reports back.</summary>
    Task,
}

/// <summary>How one run of a step ended.</summary>
public enum StepOutcome
{
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
}

/// <summary>One step of a validated plan.</summary>
/// <param name="Id">Unique within the plan.</param>
/// <param name="Type">Approval or task.</param>
/// <param name="Approval">For approval steps: the body of the request to file.</param>
/// <param name="OnSuccess">The next step after success, or null to complete.</param>
/// <param name="OnFailure">The next step after failure, or null to fail.</param>
/// <param name="DelayToNextStep">Wait this long (in <c>delayed</c>) before the next step after success.</param>
/// <param name="Timeout">For task steps: a task not reported within this time fails.</param>
public sealed record PlanStep(
    string Id,
    StepType Type,
    CreateApprovalRequest? Approval,
    string? OnSuccess,
    string? OnFailure,
    TimeSpan? DelayToNextStep,
    TimeSpan? Timeout);

/// <summary>One run of a step, as the workflow's history records it.</summary>
public sealed record StepRun(
    int Run,
    string Step,
    StepOutcome? Outcome,
    string? ApprovalId,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? OutputJson,
    string? Error);

/// <summary>
/// Work the workflow actor still owes another actor: recorded in the same write as the state (with a
/// due-now timer), carried out after the commit, idempotently, until it is done. A crash in between
/// only delays it.
/// </summary>
public abstract record WorkflowEffect
{
    private WorkflowEffect() { }

    /// <summary>File the approval request of an approval step under <paramref name="ApprovalId"/>.</summary>
    public sealed record FileApproval(string ApprovalId, string Step, CreateApprovalRequest Request) : WorkflowEffect;

    /// <summary>Cancel the approval the workflow was waiting on.</summary>
    public sealed record CancelApproval(string ApprovalId) : WorkflowEffect;
}

/// <summary>The state of one workflow run. Immutable; each transition returns version + 1.</summary>
public sealed record WorkflowState
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string Name { get; init; }
    public required WorkflowStatus Status { get; init; }
    public required IReadOnlyList<PlanStep> Steps { get; init; }
    /// <summary>The step running now (or waited on); after the end, the last step that ran.</summary>
    public string? CurrentStep { get; init; }
    /// <summary>In <c>delayed</c>: the step that starts when the delay ends (null = complete then).</summary>
    public string? NextStep { get; init; }
    public required IReadOnlyList<StepRun> History { get; init; }
    /// <summary>The input object as compact JSON.</summary>
    public required string InputJson { get; init; }
    /// <summary>The approval the current approval step waits on.</summary>
    public string? PendingApprovalId { get; init; }
    /// <summary>When the delay or the task timeout ends.</summary>
    public DateTimeOffset? WakeAt { get; init; }
    public WorkflowEffect? PendingEffect { get; init; }
    public required string CreatedBy { get; init; }
    /// <summary>
    /// Whether <see cref="CreatedBy"/> is a person's <c>sub</c> or a key's id. Null in states stored before
    /// it was recorded; <see cref="CreatorKind"/> then infers it from the id.
    /// </summary>
    public PrincipalKind? CreatedByKind { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public required long Version { get; init; }

    public bool IsFinal => Status is WorkflowStatus.Completed or WorkflowStatus.Failed or WorkflowStatus.Cancelled;

    public PlanStep Step(string id) => Steps.First(s => s.Id == id);

    /// <summary>The kind of principal that started the workflow.</summary>
    public PrincipalKind CreatorKind() => CreatedByKind ?? Principal.KindOfUntypedId(CreatedBy);

    /// <summary>True when <paramref name="principal"/> started the workflow: the same kind and the same id.</summary>
    public bool IsCreatedBy(Principal principal) => principal.Is(CreatorKind(), CreatedBy);
}
