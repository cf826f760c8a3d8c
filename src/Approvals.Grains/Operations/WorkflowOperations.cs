using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;

namespace Approvals.Grains.Operations;

/// <summary>
/// What the workflow calls of API.md do beyond one grain call (the approvals a run waits on embedded in what is
/// read, the approval a decision goes to, read access, the list query), for the REST gateway and the inbox and for
/// the silo's query and command grains (in-cluster clients): one copy of each rule.
/// </summary>
public static class WorkflowOperations
{
    private static readonly string WaitingApproval = WorkflowStateMachine.Wire(WorkflowStatus.WaitingApproval);

    /// <summary>The run as <c>GET /v1/workflows/{id}</c> gives it: readable by the caller, with the approval it waits on.</summary>
    public static async Task<Result<WorkflowDto>> GetAsync(IGrainFactory grains, Principal caller, string id)
    {
        if (ReadAccess.CheckWorkflows(caller) is { } refused)
        {
            return refused;
        }
        var read = await ReadAsync(grains, caller, id);
        return read.IsSuccess ? read.Value! with { Approvals = await WaitedOnAsync(grains, caller, read.Value!.PendingApprovalId) } : read;
    }

    /// <summary>The run as its grain holds it (no approvals embedded), if it exists in the caller's tenant.</summary>
    public static async Task<Result<WorkflowDto>> ReadAsync(IGrainFactory grains, Principal caller, string id) =>
        grains.Workflow(caller, id) is { } grain ? (await grain.GetAsync(caller.ToCaller())).ToResult() : NotFound(id);

    /// <summary>A page of <c>GET /v1/workflows</c>, each run with the approval it waits on.</summary>
    public static async Task<Result<WorkflowListDto>> ListAsync(IWorkflowQueries queries, IGrainFactory grains, Principal caller,
        Func<string, string?> parameter, CancellationToken cancellationToken)
    {
        if (ReadAccess.CheckWorkflows(caller) is { } refused)
        {
            return refused;
        }
        var query = ListQueries.ParseWorkflows(parameter, caller.TenantId);
        if (!query.IsSuccess)
        {
            return query.Error!;
        }
        var page = await queries.ListWorkflowsAsync(query.Value!, cancellationToken);
        var data = new List<WorkflowDto>(page.Items.Count);
        foreach (var workflow in page.Items)
        {
            data.Add(workflow.ToDto(await WaitedOnAsync(grains, caller, workflow.PendingApprovalId)));
        }
        return new WorkflowListDto(data, page.Next?.Encode());
    }

    /// <summary>The approvals a run waits on (the pending one, if filed yet and visible to the caller).</summary>
    public static async Task<IReadOnlyList<ApprovalDto>> WaitedOnAsync(IGrainFactory grains, Principal caller, string? pendingApprovalId)
    {
        if (pendingApprovalId is null)
        {
            return [];
        }
        var approval = await ApprovalOperations.ReadAsync(grains, caller, pendingApprovalId);
        return approval.IsSuccess ? [approval.Value!] : [];
    }

    /// <summary>
    /// The id of the approval a decision through the run (<c>POST /v1/workflows/{id}/approval</c>) goes to: the one it
    /// waits on now. A run that waits on none refuses: once the approval it last waited on is resolved, with that
    /// approval's answer (409 already_resolved with its status, as the approval calls give it), so a repeated decision
    /// gets the same answer before and after the first one reached the run; otherwise 409 invalid_state.
    /// </summary>
    public static async Task<Result<string>> ApprovalToDecideAsync(IGrainFactory grains, Principal caller, string workflowId)
    {
        var workflow = await ReadAsync(grains, caller, workflowId);
        if (!workflow.IsSuccess)
        {
            return workflow.Error!;
        }
        if (workflow.Value!.PendingApprovalId is { } approvalId && workflow.Value.Status == WaitingApproval)
        {
            return approvalId;
        }
        if (workflow.Value.History.LastOrDefault(run => run.ApprovalId is not null)?.ApprovalId is { } lastId
            && await ApprovalOperations.ReadAsync(grains, caller, lastId) is { IsSuccess: true, Value: { } last }
            && WireNames.TryParseStatus(last.Status, out var status) && status != ApprovalStatus.Pending)
        {
            return DomainError.AlreadyResolved(status);
        }
        return new DomainError(ErrorCodes.InvalidState, $"The workflow is {workflow.Value.Status}; it waits on no approval.");
    }

    /// <summary>The refusal for a run that is not there.</summary>
    public static DomainError NotFound(string id) => new(ErrorCodes.NotFound, $"No workflow '{id}' exists.");
}
