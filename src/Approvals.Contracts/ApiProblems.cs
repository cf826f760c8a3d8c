namespace Approvals.Contracts;

/// <summary>
/// The HTTP status and title of every stable code, and the problem a refusal becomes: the one table the
/// gateway's problem responses and the in-cluster client's exceptions are both built from, so a refusal reads
/// the same whichever way it travelled.
/// </summary>
public static class ApiProblems
{
    private static readonly Dictionary<string, (int Status, string Title)> Codes = new(StringComparer.Ordinal)
    {
        [ErrorCodes.ValidationError] = (400, "Invalid request"),
        [ErrorCodes.Unauthorized] = (401, "Unauthorized"),
        [ErrorCodes.Forbidden] = (403, "Forbidden"),
        [ErrorCodes.SelfApprovalForbidden] = (403, "Self-approval forbidden"),
        [ErrorCodes.InsufficientApprovalLevel] = (403, "Insufficient approval level"),
        [ErrorCodes.NotFound] = (404, "Not found"),
        [ErrorCodes.AlreadyResolved] = (409, "Already resolved"),
        [ErrorCodes.AlreadyDecided] = (409, "Already decided"),
        [ErrorCodes.IdempotencyKeyInUse] = (409, "Idempotency key in use"),
        [ErrorCodes.InvalidState] = (409, "Invalid state"),
        [ErrorCodes.Busy] = (503, "Busy"),
        [ErrorCodes.PreconditionFailed] = (412, "Precondition failed"),
        [ErrorCodes.PayloadTooLarge] = (413, "Payload too large"),
        [ErrorCodes.IdempotencyKeyReused] = (422, "Idempotency key reused"),
        [ErrorCodes.RateLimited] = (429, "Too many requests"),
    };

    /// <summary>The HTTP status and title of <paramref name="code"/>; a code not in the table is a server error (500).</summary>
    public static (int Status, string Title) Describe(string code) =>
        Codes.TryGetValue(code, out var known) ? known : (500, "Server error");

    /// <summary>
    /// The problem of a refusal with <paramref name="code"/>, carrying what the code carries: the request's
    /// <paramref name="currentStatus"/> (already_resolved), its <paramref name="currentVersion"/> as an ETag
    /// (precondition_failed) and the messages per field (validation_error).
    /// </summary>
    public static ApiProblem Of(string code, string detail, string? currentStatus = null, long? currentVersion = null,
        IReadOnlyDictionary<string, string[]>? errors = null)
    {
        var (status, title) = Describe(code);
        return new ApiProblem("about:blank", title, status, detail, code)
        {
            CurrentStatus = currentStatus,
            Etag = currentVersion is { } version ? WireNames.ETag(version) : null,
            Errors = errors,
        };
    }
}
