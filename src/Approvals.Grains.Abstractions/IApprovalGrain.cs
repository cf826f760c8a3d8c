using Orleans.Concurrency;

namespace Approvals.Grains.Abstractions;

/// <summary>
/// One approval request: its state machine, its deadline and its waiters. The key is
/// <see cref="GrainKeys.Approval"/>(tenant, id): a caller reaches only its own tenant's requests.
/// </summary>
[Alias("approvals.IApprovalGrain")]
public interface IApprovalGrain : IGrainWithStringKey
{
    /// <summary>Runs one command; a refusal is a value, never an exception.</summary>
    [Alias("Execute")]
    Task<ApprovalReply> ExecuteAsync(Caller caller, ApprovalCall call, CallOptions options);

    /// <summary>The request as it is now (not_found when absent or not visible to <paramref name="caller"/>).</summary>
    [Alias("Get")]
    Task<ApprovalReply> GetAsync(Caller caller);

    /// <summary>
    /// The request, and whether <paramref name="caller"/> may approve or reject it now: the refusal the same
    /// state machine gives a decision (role, level, own request, named approvers, already decided, final,
    /// past its deadline, an API key), found by deciding without writing. For a reviewer's page, which shows
    /// why its buttons are disabled; the decision itself is checked again when it is made.
    /// </summary>
    [Alias("Review")]
    Task<ApprovalReview> ReviewAsync(Caller caller);

    /// <summary>
    /// The request once its version differs from <paramref name="knownVersion"/> or it is final, or as
    /// it is when <paramref name="wait"/> ends. Interleaved: waiting never blocks the request's commands.
    /// </summary>
    [Alias("WaitForChange"), AlwaysInterleave]
    Task<ApprovalReply> WaitForChangeAsync(Caller caller, long knownVersion, TimeSpan wait);

    /// <summary>
    /// Subscribes <paramref name="observer"/> to the request's changes (or renews its subscription, which expires
    /// unless renewed within the grain's observer lifetime) and returns the request as it is now; a request not
    /// visible to <paramref name="caller"/> is not_found and subscribes nothing.
    /// </summary>
    [Alias("Subscribe")]
    Task<ApprovalReply> SubscribeAsync(Caller caller, IApprovalObserver observer);

    /// <summary>Ends <paramref name="observer"/>'s subscription (nothing happens if it has none).</summary>
    [Alias("Unsubscribe")]
    Task UnsubscribeAsync(IApprovalObserver observer);

    /// <summary>Applies the request's deadline if it has passed (a reminder tick or the start-up catch-up).</summary>
    [Alias("ApplyDeadline")]
    Task ApplyDeadlineAsync();
}
