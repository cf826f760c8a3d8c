using Approvals.Contracts;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Orleans.Concurrency;

namespace Approvals.Grains.Operations;

/// <summary>
/// The gateway's reads for in-cluster clients, run on the silo through the same operations and store ports.
/// Stateless (any number of local activations) and reentrant: it holds nothing, and a slow query never queues another.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class QueryGrain(IApprovalQueries approvals, IWorkflowQueries workflows) : Grain, IQueryGrain
{
    public async Task<CallReply<ApprovalDto>> GetApprovalAsync(Caller caller, string id) =>
        (await ApprovalOperations.GetAsync(GrainFactory, caller.ToPrincipal(), id)).ToCallReply();

    public async Task<CallReply<ApprovalListDto>> ListApprovalsAsync(Caller caller, ListParameters parameters) =>
        (await ApprovalOperations.ListAsync(approvals, caller.ToPrincipal(), parameters.Get, CancellationToken.None)).ToCallReply();

    public async Task<CallReply<Dictionary<string, long>>> CountApprovalsAsync(Caller caller, string? status) =>
        (await ApprovalOperations.CountAsync(approvals, caller.ToPrincipal(), status, CancellationToken.None)).ToCallReply();

    public async Task<CallReply<WorkflowDto>> GetWorkflowAsync(Caller caller, string id) =>
        (await WorkflowOperations.GetAsync(GrainFactory, caller.ToPrincipal(), id)).ToCallReply();

    public async Task<CallReply<WorkflowListDto>> ListWorkflowsAsync(Caller caller, ListParameters parameters) =>
        (await WorkflowOperations.ListAsync(workflows, GrainFactory, caller.ToPrincipal(), parameters.Get, CancellationToken.None)).ToCallReply();
}
