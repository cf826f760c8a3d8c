namespace Approvals.Server.Webhooks;

/// <summary>How webhooks are fanned out and sent (configuration section <c>Approvals:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Approvals:Webhooks";

    /// <summary>The waits after the 1st, 2nd, … failed attempt; after the last one the delivery is dead.</summary>
    public static IReadOnlyList<TimeSpan> DefaultRetrySchedule { get; } =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    /// <summary>
    /// Lets endpoints in loopback, private, link-local and other internal ranges receive webhooks.
    /// Off by default: a tenant admin must not be able to make the server call into its own network.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>How often the event log is read when nothing new came last time.</summary>
    public TimeSpan FanOutPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How often due deliveries are looked for when no new one was enqueued on this node.</summary>
    public TimeSpan SendPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events read, or deliveries claimed, per round.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Deliveries sent at once.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>An attempt without a response within this time failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a claimed delivery is held; longer than <see cref="Timeout"/>, so a live sender never loses its claim.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The retry schedule; null or empty means <see cref="DefaultRetrySchedule"/>.</summary>
    /// <remarks>An array set as a whole: configuration binding would append to a pre-filled list instead of replacing it.</remarks>
    public TimeSpan[]? RetrySchedule { get; set; }

    /// <summary>A subscription whose attempts have all failed for this long is disabled.</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>The schedule in force.</summary>
    public IReadOnlyList<TimeSpan> Schedule => RetrySchedule is { Length: > 0 } schedule ? schedule : DefaultRetrySchedule;
}
