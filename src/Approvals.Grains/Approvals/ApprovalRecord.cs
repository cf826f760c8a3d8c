using Approvals.Core.Storage;
using Approvals.Grains.Storage;

namespace Approvals.Grains.Approvals;

/// <summary>An approval grain's state: the request (and the hash of its latest event) and the write about to commit.</summary>
public sealed class ApprovalRecord : IGrainRecord
{
    /// <summary>The request and its chain head; null before it is filed.</summary>
    public StoredApproval? Current { get; private set; }

    /// <summary>Set by the grain before it writes.</summary>
    public ApprovalWrite? Pending { get; set; }

    public long? Version => Current?.State.Version;

    StateWrite? IGrainRecord.Pending => Pending;

    public async Task LoadAsync(IStateStore store, string tenant, string id)
    {
        var stored = await store.LoadApprovalAsync(id, CancellationToken.None);
        Current = stored is not null && stored.State.TenantId == tenant ? stored : null;
        Pending = null;
    }

    public void Committed()
    {
        Current = new StoredApproval(Pending!.State, Pending.ChainHead);
        Pending = null;
    }
}
