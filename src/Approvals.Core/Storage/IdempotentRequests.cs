using System.Diagnostics;
using Approvals.Contracts;
using Approvals.Core.Principals;

namespace Approvals.Core.Storage;

/// <summary>
/// The Idempotency-Key rules, shared by the gateway's middleware (keys of HTTP requests) and the silo's command
/// grain (keys of in-cluster calls): who owns a key, which keys are valid, and the claim that either lets a request
/// run, replays the reply stored for it, or refuses it (the key was used for another request, or that request is
/// still running). A reply that changes state is stored by the grain in the same transaction as the change.
/// </summary>
public static class IdempotentRequests
{
    /// <summary>The longest key accepted.</summary>
    public const int MaxKeyLength = 255;

    /// <summary>
    /// A reservation older than this whose owner never completed it died before its state change committed (the two
    /// commit together), so running the request again is safe.
    /// </summary>
    public static readonly TimeSpan TakeOverAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a repeat waits for the first request with its key, in all: longer than the take-over time, so a retry
    /// after a crash waits the dead reservation out and then runs, instead of bouncing until someone retries late enough.
    /// </summary>
    public static readonly TimeSpan MaxWaitForFirst = TakeOverAfter + TimeSpan.FromSeconds(5);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Who a key belongs to: one caller of one tenant (keys of different callers never meet).</summary>
    public static string Scope(Principal caller) => $"{caller.TenantId}|{caller.Kind}|{caller.Id}";

    /// <summary>Null for a usable key, else the validation error.</summary>
    public static DomainError? CheckKey(string key) =>
        key.Length is >= 1 and <= MaxKeyLength
            ? null
            : DomainError.Validation("Idempotency-Key", $"Idempotency-Key must be 1 to {MaxKeyLength} characters.");

    /// <summary>
    /// Claims <paramref name="key"/> for the request hashed <paramref name="requestHash"/>: run it (this caller now
    /// owns the key and must complete or abandon it), replay the reply stored for the same request, or refuse it
    /// (422 for another request under the key; 409 when the first request is still running after
    /// <paramref name="maxWait"/>). The wait is on real time, as the first request's own run is.
    /// </summary>
    public static async Task<IdempotencyStart> BeginAsync(IIdempotencyStore store, TimeProvider clock, string scope, string key, string requestHash,
        TimeSpan retention, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var claim = await store.TryBeginAsync(scope, key, requestHash, clock.GetUtcNow(), retention, TakeOverAfter, cancellationToken);
            if (claim.Started)
            {
                return new IdempotencyStart.Run(clock.GetUtcNow() + retention);
            }
            var existing = claim.Existing!;
            if (!string.Equals(existing.RequestHash, requestHash, StringComparison.Ordinal))
            {
                return new IdempotencyStart.Refused(new DomainError(ErrorCodes.IdempotencyKeyReused, "This Idempotency-Key was used with a different request."));
            }
            if (existing.Completed)
            {
                return new IdempotencyStart.Replay(StoredResponse.Deserialize(existing.StatusCode, existing.ResponseBody ?? ""));
            }
            if (waited.Elapsed > maxWait)
            {
                return new IdempotencyStart.Refused(new DomainError(ErrorCodes.IdempotencyKeyInUse,
                    "A request with this Idempotency-Key is still being processed; retry later."));
            }
            // The first request with this key is running: wait for its reply rather than run twice.
            await Task.Delay(PollInterval, TimeProvider.System, cancellationToken);
        }
    }

    /// <summary>Whether a reply is worth replaying: not a failure a retry may not meet again (5xx, 429).</summary>
    public static bool IsReplayable(int status) => status < 500 && status != 429;
}

/// <summary>What <see cref="IdempotentRequests.BeginAsync"/> found.</summary>
public abstract record IdempotencyStart
{
    private IdempotencyStart()
    {
    }

    /// <summary>The key is this request's now: run it, and keep its reply until <paramref name="ExpiresAt"/>.</summary>
    public sealed record Run(DateTimeOffset ExpiresAt) : IdempotencyStart;

    /// <summary>The same request ran before: this is its reply.</summary>
    public sealed record Replay(StoredResponse Response) : IdempotencyStart;

    /// <summary>The request may not run under this key (idempotency_key_reused or idempotency_key_in_use).</summary>
    public sealed record Refused(DomainError Error) : IdempotencyStart;
}

/// <summary>How long idempotent replies are kept (<c>Approvals:IdempotencyRetention</c>), for HTTP and in-cluster calls alike.</summary>
public sealed class IdempotencyOptions
{
    /// <summary>How long an Idempotency-Key's reply is replayed.</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromHours(24);
}
