using Orleans.Concurrency;
using Approvals.Contracts;

namespace Approvals.Grains.Abstractions;

/// <summary>A command to a workflow grain: a closed set, one record per call of API.md.</summary>
[GenerateSerializer, Immutable, Alias("approvals.WorkflowCall")]
public abstract record WorkflowCall
{
    private protected WorkflowCall()
    {
    }

    /// <summary>Starts the run (the grain's id is the new run's id).</summary>
    [GenerateSerializer, Immutable, Alias("approvals.WorkflowCall.Start")]
    public sealed record Start(CreateWorkflowRequest Request) : WorkflowCall;

    /// <summary>A worker reports a task step: its output (JSON text, already validated) or its error.</summary>
    [GenerateSerializer, Immutable, Alias("approvals.WorkflowCall.ReportTask")]
    public sealed record ReportTask(string Step, bool Succeeded, string? OutputJson, string? Error) : WorkflowCall;

    [GenerateSerializer, Immutable, Alias("approvals.WorkflowCall.Cancel")]
    public sealed record Cancel(string? Reason) : WorkflowCall;
}

/// <summary>The workflow after a call (without the approvals it waits on: the gateway embeds those), or why the call was refused.</summary>
[GenerateSerializer, Immutable, Alias("approvals.WorkflowReply")]
public sealed record WorkflowReply(WorkflowDto? Workflow, CallError? Error)
{
    public bool IsSuccess => Error is null;

    public static WorkflowReply Of(WorkflowDto workflow) => new(workflow, null);

    public static WorkflowReply Refused(CallError error) => new(null, error);
}

/// <summary>
/// One workflow run: its plan, its current step, its delays and timeouts. The key is
/// <see cref="GrainKeys.Workflow"/>(tenant, id).
/// </summary>
[Alias("approvals.IWorkflowGrain")]
public interface IWorkflowGrain : IGrainWithStringKey
{
    [Alias("Execute")]
    Task<WorkflowReply> ExecuteAsync(Caller caller, WorkflowCall call, CallOptions options);

    [Alias("Get")]
    Task<WorkflowReply> GetAsync(Caller caller);

    /// <summary>
    /// The approval <paramref name="approvalId"/> reached <paramref name="status"/> (a final status of
    /// API.md). Sent by the approval grain right after its commit and again by the event-log
    /// dispatcher (at least once): a decision for an approval the run does not wait on now is ignored.
    /// One-way, so an approval cancelled by its own workflow never waits on that busy workflow.
    /// </summary>
    [Alias("ApprovalDecided"), OneWay]
    Task ApprovalDecidedAsync(string approvalId, string status);

    /// <summary>
    /// The same notice as <see cref="ApprovalDecidedAsync"/>, awaited: the event-log dispatcher moves its
    /// checkpoint only once every notice of a batch was applied (or refused as not awaited).
    /// </summary>
    [Alias("DeliverDecision")]
    Task DeliverDecisionAsync(string approvalId, string status);

    /// <summary>Carries out what is due: a delay or timeout that passed, an effect not yet carried out.</summary>
    [Alias("ApplyDue")]
    Task ApplyDueAsync();
}
