namespace Approvals.Grains.Approvals;

/// <summary>How the approval and workflow grains run (<c>Approvals:Grains</c>).</summary>
public sealed class ApprovalGrainOptions
{
    public const string Section = "Approvals:Grains";

    /// <summary>
    /// The period of the deadline reminder. Reminders only repeat (Orleans has no one-shot form, and
    /// skips a first tick already past): each tick compares the clock with the stored deadline, so the
    /// period bounds how late a deadline can be applied when no activation holds the request. At least
    /// Orleans' minimum reminder period (1 minute).
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many lost write races one call retries before it fails (503 busy at the gateway).</summary>
    public int MaxConflictRetries { get; set; } = 50;

    /// <summary>A grain with no call for this long is deactivated (Orleans' collection age; at least a minute).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long an observer's subscription lasts unless renewed (in-cluster clients renew well within it). Observers
    /// are not durable: this only bounds how long a client that went away keeps being told of changes.
    /// </summary>
    public TimeSpan ObserverLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most grain writes one group commit (one transaction) carries.</summary>
    public int MaxBatchSize { get; set; } = 256;
}
