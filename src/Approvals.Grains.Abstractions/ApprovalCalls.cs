using Approvals.Contracts;

namespace Approvals.Grains.Abstractions;

/// <summary>A command to an approval grain: a closed set, one record per call of API.md.</summary>
[GenerateSerializer, Immutable, Alias("approvals.ApprovalCall")]
public abstract record ApprovalCall
{
    private protected ApprovalCall()
    {
    }

    /// <summary>Files the request (the grain's id is the new request's id).</summary>
    [GenerateSerializer, Immutable, Alias("approvals.ApprovalCall.Create")]
    public sealed record Create(CreateApprovalRequest Request, string? WorkflowId = null, string? WorkflowStep = null) : ApprovalCall;

    [GenerateSerializer, Immutable, Alias("approvals.ApprovalCall.Approve")]
    public sealed record Approve(string? Note) : ApprovalCall;

    [GenerateSerializer, Immutable, Alias("approvals.ApprovalCall.Reject")]
    public sealed record Reject(string? Reason) : ApprovalCall;

    [GenerateSerializer, Immutable, Alias("approvals.ApprovalCall.Cancel")]
    public sealed record Cancel(string? Reason) : ApprovalCall;

    [GenerateSerializer, Immutable, Alias("approvals.ApprovalCall.Extend")]
    public sealed record Extend(DateTimeOffset ExpiresAt) : ApprovalCall;
}

/// <summary>
/// The request an idempotent call answers. Its reply is committed with the state change it causes,
/// so "acknowledged" and "replayable" never come apart: the grain builds the reply itself from the
/// new state and <see cref="SuccessStatus"/>.
/// </summary>
/// <param name="Scope">Who owns the key (tenant and caller).</param>
/// <param name="Key">The Idempotency-Key.</param>
/// <param name="RequestHash">The hash of the request.</param>
/// <param name="ExpiresAt">How long the reply is kept for replay.</param>
/// <param name="SuccessStatus">The HTTP status of the reply (201 for a create, else 200).</param>
[GenerateSerializer, Immutable, Alias("approvals.IdempotencyTicket")]
public sealed record IdempotencyTicket(string Scope, string Key, string RequestHash, DateTimeOffset ExpiresAt, int SuccessStatus);

/// <summary>How a call is carried out, beyond what it says.</summary>
/// <param name="IfMatch">Run only at this version (HTTP If-Match); else precondition_failed.</param>
/// <param name="Idempotency">The idempotent request this call answers, if any.</param>
[GenerateSerializer, Immutable, Alias("approvals.CallOptions")]
public sealed record CallOptions(long? IfMatch = null, IdempotencyTicket? Idempotency = null)
{
    public static CallOptions None { get; } = new();
}
