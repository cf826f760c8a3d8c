namespace Approvals.Contracts;

/// <summary>The status of an approval request. Every status but <see cref="Pending"/> is final.</summary>
public enum ApprovalStatus
{
    /// <summary>Waiting for decisions.</summary>
    Pending,
    /// <summary>Approved by the required number of permitted people (or by expiry policy).</summary>
    Approved,
    /// <summary>Rejected by one permitted person (or by expiry policy).</summary>
    Rejected,
    /// <summary>Nobody decided before the deadline.</summary>
    Expired,
    /// <summary>Withdrawn by the requester or an admin.</summary>
    Cancelled,
}

/// <summary>Risk band of a request, derived from its risk score (0–100).</summary>
public enum RiskLevel
{
    /// <summary>Score 0–39; approval level 1.</summary>
    Low,
    /// <summary>Score 40–69; approval level 2.</summary>
    Medium,
    /// <summary>Score 70–84; approval level 3.</summary>
    High,
    /// <summary>Score 85–100; approval level 4.</summary>
    Critical,
}

/// <summary>What happens to a pending request when its deadline passes.</summary>
public enum OnExpiry
{
    /// <summary>The request becomes <see cref="ApprovalStatus.Expired"/>.</summary>
    Expire,
    /// <summary>The request is rejected.</summary>
    Reject,
    /// <summary>The request is approved.</summary>
    Approve,
    /// <summary>Once: the required level rises by one and the deadline moves by the escalation window.</summary>
    Escalate,
}
