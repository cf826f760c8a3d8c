using Approvals.Core.Storage;

namespace Approvals.Runtime.Timers;

/// <summary>Handles the fired timers of one actor type.</summary>
public interface ITimerHandler
{
    /// <summary>The actor type whose timers this handles.</summary>
    string ActorType { get; }

    /// <summary>Delivers a fired timer to its actor. The actor decides from its own state whether anything is due.</summary>
    Task HandleAsync(DueTimer timer, CancellationToken cancellationToken);
}
