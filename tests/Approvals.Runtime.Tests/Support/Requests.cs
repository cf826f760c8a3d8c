using Approvals.Contracts;

namespace Approvals.Runtime.Tests.Support;

public static class Requests
{
    public static CreateApprovalRequest Simple(string title = "Deploy to production", int risk = 10, int requiredApprovals = 1,
        string onExpiry = "expire", string expiresIn = "PT1H") => new()
    {
        Title = title,
        RiskScore = risk,
        ExpiresIn = expiresIn,
        Policy = new PolicyDto(RequiredApprovals: requiredApprovals, OnExpiry: onExpiry),
    };
}
