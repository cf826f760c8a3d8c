using Approvals.Core.Storage;
using Approvals.Grains.Storage;

namespace Approvals.Grains.Workflows;

/// <summary>A workflow grain's state: the run (and the hash of its latest event) and the write about to commit.</summary>
public sealed class WorkflowRecord : GrainRecord<StoredWorkflow, WorkflowWrite>
{
    protected override Task<StoredWorkflow?> LoadAsync(IStateStore store, string id) => store.LoadWorkflowAsync(id, CancellationToken.None);

    protected override string TenantOf(StoredWorkflow stored) => stored.State.TenantId;

    protected override long VersionOf(StoredWorkflow stored) => stored.State.Version;

    protected override StoredWorkflow FromWrite(WorkflowWrite write) => new(write.State, write.ChainHead);
}
