namespace Approvals.Client.Cluster;

/// <summary>What a waiter's observer did (for diagnostics and tests).</summary>
public enum ObserverActivityKind
{
    /// <summary>The observer was subscribed on the request's grain (first time or renewal).</summary>
    Subscribed = 0,

    /// <summary>The grain told the observer of a change.</summary>
    Notified = 1,

    /// <summary>Subscribing failed; the wait went on with the grain's own long-poll.</summary>
    FellBack = 2,
}

/// <summary>One thing a waiter's observer did for request <paramref name="Id"/>.</summary>
public sealed record ObserverActivity(string Id, ObserverActivityKind Kind);
