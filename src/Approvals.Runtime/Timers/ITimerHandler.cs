using Approvals.Core.Storage;

namespace Approvals.Runtime.Timers;

/// <summary>Handles the fired timers of one actor type.</summary>
public interface ITimerHandler
{
    /// <summary>The actor type whose timers this handles.</summary>
    string ActorType { get; }

    /// <summary>
    /// Delivers a fired timer to its actor, which decides from its own state whether anything is due.
    /// Returns true when the actor's own write settled the timer (removed or set it again in the same
    /// transaction as the state), so the timer service need not delete it separately.
    /// </summary>
    Task<bool> HandleAsync(DueTimer timer, CancellationToken cancellationToken);
}
