namespace Approvals.Server.Metrics;

/// <summary>The <c>Approvals:Metrics</c> section: who may read <c>/metrics</c> and how often it reads the store.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Approvals:Metrics";

    /// <summary>
    /// Lets anyone read <c>/metrics</c> without a token, from any address. Off by default: only callers on this
    /// machine (loopback) scrape without one; others need the admin role or scope, as for the dashboard.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// How long the figures read from the store (requests by status, the event-log readers' lag) are reused, so
    /// scrapes from several Prometheus servers, or a short scrape interval, cost the database one read per period.
    /// </summary>
    public TimeSpan StoreCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a scrape waits for that read; past it the scrape shows the previous figures.</summary>
    public TimeSpan StoreReadTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
