using Approvals.Core.Storage;

namespace Approvals.Grains.Approvals;

/// <summary>
/// What an approval grain keeps through <see cref="ApprovalGrainStorage"/>: the request as last
/// loaded or committed, and the write the grain is about to commit (the new state with its events
/// and the reply of the idempotent request it answers), which the storage turns into one write of
/// the group commit. Never serialised by Orleans: our storage maps it to our tables.
/// </summary>
public sealed class ApprovalRecord
{
    /// <summary>The request and the hash of its latest event; null before it is filed.</summary>
    public StoredApproval? Current { get; set; }

    /// <summary>The write the next <c>WriteStateAsync</c> commits.</summary>
    public ApprovalWrite? Pending { get; set; }
}
