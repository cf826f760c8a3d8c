using Approvals.Core.Storage;

namespace Approvals.Grains.Storage;

/// <summary>
/// What a grain keeps through <see cref="GroupCommitGrainStorage"/>: its row as last loaded or
/// committed (state and chain head), and the write it is about to commit. Never serialised by Orleans.
/// </summary>
/// <typeparam name="TStored">The loaded row (<see cref="StoredApproval"/>, <see cref="StoredWorkflow"/>).</typeparam>
/// <typeparam name="TWrite">The write of that row.</typeparam>
public abstract class GrainRecord<TStored, TWrite> : IGrainRecord where TStored : class where TWrite : StateWrite
{
    /// <summary>The row; null before it is created.</summary>
    public TStored? Current { get; private set; }

    /// <summary>Set by the grain before it writes.</summary>
    public TWrite? Pending { get; set; }

    public long? Version => Current is { } current ? VersionOf(current) : null;

    StateWrite? IGrainRecord.Pending => Pending;

    public async Task LoadAsync(IStateStore store, string tenant, string id)
    {
        var stored = await LoadAsync(store, id);
        // Another tenant's row under this id is not this grain's: as far as it knows, there is none.
        Current = stored is not null && TenantOf(stored) == tenant ? stored : null;
        Pending = null;
    }

    public void Clear()
    {
        Current = null;
        Pending = null;
    }

    public void Committed()
    {
        Current = FromWrite(Pending!);
        Pending = null;
    }

    protected abstract Task<TStored?> LoadAsync(IStateStore store, string id);

    protected abstract string TenantOf(TStored stored);

    protected abstract long VersionOf(TStored stored);

    protected abstract TStored FromWrite(TWrite write);
}
