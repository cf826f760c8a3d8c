namespace Approvals.Client;

/// <summary>How a write is made: at which version (If-Match) and under which Idempotency-Key.</summary>
public sealed record WriteOptions
{
    /// <summary>No version check, a fresh key.</summary>
    public static WriteOptions None { get; } = new();

    /// <summary>
    /// The version the resource must still have (sent as <c>If-Match: "&lt;version&gt;"</c>); the write is refused
    /// with 412 <c>precondition_failed</c> otherwise. Null writes whatever the version.
    /// </summary>
    public long? IfMatch { get; init; }

    /// <summary>
    /// The <c>Idempotency-Key</c> of the call. Null draws a new one per call, which every retry of that call
    /// repeats; give your own to make a call safe to repeat across process restarts (for 24 hours).
    /// </summary>
    public string? IdempotencyKey { get; init; }
}
