namespace Approvals.Contracts;

/// <summary>The stable <c>code</c> values of problem responses (see API.md, "Errors").</summary>
public static class ErrorCodes
{
    /// <summary>400: input failed validation; the problem lists the fields.</summary>
    public const string ValidationError = "validation_error";
    /// <summary>401: no or invalid credentials.</summary>
    public const string Unauthorized = "unauthorized";
    /// <summary>403: the caller may not do this.</summary>
    public const string Forbidden = "forbidden";
    /// <summary>403: the requester tried to decide their own request.</summary>
    public const string SelfApprovalForbidden = "self_approval_forbidden";
    /// <summary>403: the decider's approval level is below the request's required level.</summary>
    public const string InsufficientApprovalLevel = "insufficient_approval_level";
    /// <summary>404: no such resource in the caller's tenant.</summary>
    public const string NotFound = "not_found";
    /// <summary>409: the request is final; the problem carries its current status.</summary>
    public const string AlreadyResolved = "already_resolved";
    /// <summary>409: the same person already recorded a decision on this request.</summary>
    public const string AlreadyDecided = "already_decided";
    /// <summary>412: If-Match did not match; the problem carries the current ETag.</summary>
    public const string PreconditionFailed = "precondition_failed";
    /// <summary>413: the body is larger than allowed.</summary>
    public const string PayloadTooLarge = "payload_too_large";
    /// <summary>422: an Idempotency-Key was reused with another body.</summary>
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    /// <summary>429: too many requests.</summary>
    public const string RateLimited = "rate_limited";
    /// <summary>409: a workflow is not in a state that accepts this command.</summary>
    public const string InvalidState = "invalid_state";
    /// <summary>409: a request with the same Idempotency-Key is still running.</summary>
    public const string IdempotencyKeyInUse = "idempotency_key_in_use";
    /// <summary>503: the request lost too many write races, or the cluster could not reach it; retrying is safe.</summary>
    public const string Busy = "busy";
    /// <summary>500: something failed on the server's side.</summary>
    public const string InternalError = "internal_error";
}
