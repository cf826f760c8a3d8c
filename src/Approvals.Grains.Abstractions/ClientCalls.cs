using Approvals.Contracts;
using Orleans.Concurrency;

namespace Approvals.Grains.Abstractions;

/// <summary>A call's value, or why it was refused (a refusal is a value, never an exception).</summary>
[GenerateSerializer, Immutable, Alias("approvals.CallReply`1")]
public sealed record CallReply<T>(T? Value, CallError? Error) where T : class
{
    public bool IsSuccess => Error is null;

    public static CallReply<T> Of(T value) => new(value, null);

    public static CallReply<T> Refused(CallError error) => new(null, error);
}

/// <summary>
/// The parameters of a list call by their API names and as the API takes them, as text (<c>status</c>,
/// <c>limit</c>, <c>cursor</c>, …): the silo reads them with the gateway's own parser, so a bad one is refused with
/// the same validation error.
/// </summary>
[GenerateSerializer, Immutable, Alias("approvals.ListParameters")]
public sealed record ListParameters(Dictionary<string, string> Values)
{
    /// <summary>The value of <paramref name="name"/>, or null when absent.</summary>
    public string? Get(string name) => Values.TryGetValue(name, out var value) ? value : null;
}

/// <summary>How an in-cluster client's write is made, as the gateway takes it from an HTTP request's headers.</summary>
/// <param name="IfMatch">The version the resource must have (If-Match); else precondition_failed.</param>
/// <param name="IdempotencyKey">The Idempotency-Key: a repeat of the same call replays the first reply; another call under it is refused.</param>
[GenerateSerializer, Immutable, Alias("approvals.CommandOptions")]
public sealed record CommandOptions(long? IfMatch = null, string? IdempotencyKey = null)
{
    public static CommandOptions None { get; } = new();
}

/// <summary>
/// What the gateway reads beyond one grain, on the silo, for in-cluster clients (which cannot reach the database):
/// the same checks (read access, tenant), the same queries through the store ports and the same replies as the REST
/// calls. A stateless worker: every silo answers locally. Use key 0.
/// </summary>
[Alias("approvals.IQueryGrain")]
public interface IQueryGrain : IGrainWithIntegerKey
{
    /// <summary>The approval, as <c>GET /v1/approvals/{id}</c> gives it.</summary>
    [Alias("GetApproval")]
    Task<CallReply<ApprovalDto>> GetApprovalAsync(Caller caller, string id);

    /// <summary>A page of approvals, as <c>GET /v1/approvals</c> gives it.</summary>
    [Alias("ListApprovals")]
    Task<CallReply<ApprovalListDto>> ListApprovalsAsync(Caller caller, ListParameters parameters);

    /// <summary><c>{ "count": n }</c> for one status, or a count per status when <paramref name="status"/> is null (<c>GET /v1/approvals/count</c>).</summary>
    [Alias("CountApprovals")]
    Task<CallReply<Dictionary<string, long>>> CountApprovalsAsync(Caller caller, string? status);

    /// <summary>The workflow with the approval it waits on embedded, as <c>GET /v1/workflows/{id}</c> gives it.</summary>
    [Alias("GetWorkflow")]
    Task<CallReply<WorkflowDto>> GetWorkflowAsync(Caller caller, string id);

    /// <summary>A page of workflows with the approvals they wait on, as <c>GET /v1/workflows</c> gives it.</summary>
    [Alias("ListWorkflows")]
    Task<CallReply<WorkflowListDto>> ListWorkflowsAsync(Caller caller, ListParameters parameters);
}

/// <summary>
/// The gateway's writes, on the silo, for in-cluster clients: a command on one approval or workflow, the decision of
/// the approval a workflow waits on, a bulk decision; each with If-Match and an Idempotency-Key kept as the gateway
/// keeps it (looked up before the call, the reply committed with the state change it causes). A stateless worker:
/// every silo answers locally. Use key 0.
/// </summary>
[Alias("approvals.ICommandGrain")]
public interface ICommandGrain : IGrainWithIntegerKey
{
    /// <summary>Runs <paramref name="call"/> on approval <paramref name="id"/> (for a create, the id the caller made).</summary>
    [Alias("ExecuteApproval")]
    Task<CallReply<ApprovalDto>> ExecuteApprovalAsync(Caller caller, string id, ApprovalCall call, CommandOptions options);

    /// <summary>Runs <paramref name="call"/> on workflow <paramref name="id"/> (for a start, the id the caller made).</summary>
    [Alias("ExecuteWorkflow")]
    Task<CallReply<WorkflowDto>> ExecuteWorkflowAsync(Caller caller, string id, WorkflowCall call, CommandOptions options);

    /// <summary>Approves or rejects (<paramref name="decision"/>) the approval workflow <paramref name="workflowId"/> waits on.</summary>
    [Alias("DecideWorkflowApproval")]
    Task<CallReply<ApprovalDto>> DecideWorkflowApprovalAsync(Caller caller, string workflowId, ApprovalCall decision, CommandOptions options);

    /// <summary>Approves or rejects each of <paramref name="ids"/> on its own: one result per id, in order.</summary>
    [Alias("DecideEach")]
    Task<CallReply<BulkResponseDto>> DecideEachAsync(Caller caller, string[] ids, ApprovalCall decision, CommandOptions options);
}
