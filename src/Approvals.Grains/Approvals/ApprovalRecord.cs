using Approvals.Core.Storage;
using Approvals.Grains.Storage;

namespace Approvals.Grains.Approvals;

/// <summary>An approval grain's state: the request (and the hash of its latest event) and the write about to commit.</summary>
public sealed class ApprovalRecord : GrainRecord<StoredApproval, ApprovalWrite>
{
    protected override Task<StoredApproval?> LoadAsync(IStateStore store, string id) => store.LoadApprovalAsync(id, CancellationToken.None);

    protected override string TenantOf(StoredApproval stored) => stored.State.TenantId;

    protected override long VersionOf(StoredApproval stored) => stored.State.Version;

    protected override StoredApproval FromWrite(ApprovalWrite write) => new(write.State, write.ChainHead);
}
