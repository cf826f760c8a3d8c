namespace Approvals.Runtime.Timers;

/// <summary>How the timer service polls and claims.</summary>
public sealed class TimerServiceOptions
{
    /// <summary>Longest sleep between polls; bounds how late a timer set by another node can be noticed.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The most timers claimed per poll.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>How long a claimed timer stays reserved for this node; after it, another node may retry it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many fired timers are delivered at once.</summary>
    public int MaxConcurrency { get; set; } = 32;
}
