using Approvals.Contracts;
using Approvals.Core.Principals;

namespace Approvals.Core.Approvals;

/// <summary>The commands an approval actor accepts. A closed hierarchy.</summary>
public abstract record ApprovalCommand
{
    private ApprovalCommand() { }

    /// <summary>Who issues the command.</summary>
    public abstract Principal By { get; init; }

    /// <summary>The operation name used in metrics and logs.</summary>
    public abstract string Operation { get; }

    /// <summary>File a new request with id <paramref name="Id"/>.</summary>
    public sealed record Create(string Id, CreateApprovalRequest Request, Principal By, string? WorkflowId = null, string? WorkflowStep = null) : ApprovalCommand
    {
        public override string Operation => "create";
    }

    /// <summary>Record an approval vote.</summary>
    public sealed record Approve(Principal By, string? Note) : ApprovalCommand
    {
        public override string Operation => "approve";
    }

    /// <summary>Reject the request.</summary>
    public sealed record Reject(Principal By, string? Reason) : ApprovalCommand
    {
        public override string Operation => "reject";
    }

    /// <summary>Withdraw a pending request (requester or admin).</summary>
    public sealed record Cancel(Principal By, string? Reason) : ApprovalCommand
    {
        public override string Operation => "cancel";
    }

    /// <summary>Move the deadline of a pending request (requester or admin).</summary>
    public sealed record Extend(Principal By, DateTimeOffset ExpiresAt) : ApprovalCommand
    {
        public override string Operation => "extend";
    }

    /// <summary>The deadline timer fired; the actor checks the clock itself.</summary>
    public sealed record Expire(Principal By) : ApprovalCommand
    {
        public override string Operation => "expire";
    }
}
