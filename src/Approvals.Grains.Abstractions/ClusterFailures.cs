using Approvals.Contracts;
using Orleans.Runtime;
using Orleans.Storage;

namespace Approvals.Grains.Abstractions;

/// <summary>
/// Failures of the cluster rather than of the call: a grain that kept losing its write race, or a node that could
/// not be reached (one that just failed, until the cluster evicts it; no gateway; no answer in time). Nothing was
/// acknowledged, so a retry (with the same Idempotency-Key) is safe. The gateway answers them 503 <c>busy</c> with
/// Retry-After, and the in-cluster client throws the same problem, so callers handle both alike.
/// </summary>
public static class ClusterFailures
{
    /// <summary>The problem for <paramref name="exception"/> when it is a failure of the cluster; null when it is anything else.</summary>
    public static ApiProblem? ToProblem(Exception exception) => exception switch
    {
        // A grain lost its write race more often than it retries (MaxConflictRetries).
        InconsistentStateException => ApiProblems.Of(ErrorCodes.Busy, "The request kept changing under this write; retry it."),
        OrleansMessageRejectionException or SiloUnavailableException or TimeoutException =>
            ApiProblems.Of(ErrorCodes.Busy, "The cluster could not reach this request right now; retry it."),
        _ => null,
    };
}
