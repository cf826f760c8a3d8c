namespace Approvals.Runtime.Actors;

/// <summary>How the actor host keeps activations.</summary>
public sealed class ActorHostOptions
{
    /// <summary>An actor with no call for this long is deactivated (its cached state dropped).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most activations kept per actor type; past it the least recently used idle ones go.</summary>
    public int MaxActiveActors { get; set; } = 100_000;

    /// <summary>How often a command is re-run after a version conflict before giving up.</summary>
    public int MaxConflictRetries { get; set; } = 50;

    /// <summary>The most writes one group commit carries.</summary>
    public int MaxBatchSize { get; set; } = 256;
}
