using Approvals.Contracts;

namespace Approvals.Grains.Abstractions;

/// <summary>
/// A refusal, with the stable code of API.md (<see cref="ErrorCodes"/>) and what the code carries:
/// the request's current status (already_resolved), its version (precondition_failed) or the
/// invalid fields (validation_error).
/// </summary>
[GenerateSerializer, Immutable, Alias("approvals.CallError")]
public sealed record CallError(string Code, string Detail, string? CurrentStatus = null, long? CurrentVersion = null,
    Dictionary<string, string[]>? Fields = null)
{
    /// <summary>The problem the gateway answers this refusal with: the same type, title, status, code, detail and members.</summary>
    public ApiProblem ToProblem() => ApiProblems.Of(Code, Detail, CurrentStatus, CurrentVersion, Fields);

    /// <summary>The refusal a problem describes (a stored reply read back for a replay).</summary>
    public static CallError FromProblem(ApiProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new CallError(problem.Code, problem.Detail, problem.CurrentStatus,
            WireNames.TryParseETag(problem.Etag, out var version) ? version : null,
            problem.Errors?.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal));
    }
}

/// <summary>The approval after a call, or why the call was refused.</summary>
[GenerateSerializer, Immutable, Alias("approvals.ApprovalReply")]
public sealed record ApprovalReply(ApprovalDto? Approval, CallError? Error)
{
    public bool IsSuccess => Error is null;

    public static ApprovalReply Of(ApprovalDto approval) => new(approval, null);

    public static ApprovalReply Refused(CallError error) => new(null, error);
}

/// <summary>
/// The request as a would-be decider sees it: <see cref="Reply"/> as <see cref="IApprovalGrain.GetAsync"/> gives it,
/// and the refusal an approve or reject by the same caller would get now (null when they may decide).
/// </summary>
[GenerateSerializer, Immutable, Alias("approvals.ApprovalReview")]
public sealed record ApprovalReview(ApprovalReply Reply, CallError? DecisionRefusal);
