namespace Approvals.Core.Approvals;

/// <summary>The configurable limits the approval state machine applies.</summary>
public sealed class ApprovalOptions
{
    /// <summary>Deadline of a request that names none.</summary>
    public TimeSpan DefaultExpiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The latest deadline a request may have, counted from now.</summary>
    public TimeSpan MaxExpiry { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How far an <c>escalate</c> expiry moves the deadline.</summary>
    public TimeSpan EscalationWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The largest context object, in UTF-8 bytes of compact JSON.</summary>
    public int MaxContextBytes { get; set; } = 64 * 1024;

    /// <summary>The most distinct approvers a policy may require.</summary>
    public const int MaxRequiredApprovals = 10;
}
