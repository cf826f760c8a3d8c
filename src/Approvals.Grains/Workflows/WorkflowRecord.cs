using Approvals.Core.Storage;
using Approvals.Grains.Storage;

namespace Approvals.Grains.Workflows;

/// <summary>A workflow grain's state: the run (and the hash of its latest event) and the write about to commit.</summary>
public sealed class WorkflowRecord : IGrainRecord
{
    /// <summary>The run and its chain head; null before it starts.</summary>
    public StoredWorkflow? Current { get; private set; }

    /// <summary>Set by the grain before it writes.</summary>
    public WorkflowWrite? Pending { get; set; }

    public long? Version => Current?.State.Version;

    StateWrite? IGrainRecord.Pending => Pending;

    public async Task LoadAsync(IStateStore store, string tenant, string id)
    {
        var stored = await store.LoadWorkflowAsync(id, CancellationToken.None);
        Current = stored is not null && stored.State.TenantId == tenant ? stored : null;
        Pending = null;
    }

    public void Committed()
    {
        Current = new StoredWorkflow(Pending!.State, Pending.ChainHead);
        Pending = null;
    }
}
