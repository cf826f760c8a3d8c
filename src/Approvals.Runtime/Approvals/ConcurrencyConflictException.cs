namespace Approvals.Runtime.Approvals;

/// <summary>
/// A write kept losing version races past the retry limit. Carries both versions so the log says
/// who was ahead; callers may retry.
/// </summary>
public sealed class ConcurrencyConflictException(string actorId, long expectedVersion, long? currentVersion)
    : Exception($"Actor '{actorId}' kept changing under this write (expected version {expectedVersion}, found {currentVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}).")
{
    public string ActorId { get; } = actorId;
    public long ExpectedVersion { get; } = expectedVersion;
    public long? CurrentVersion { get; } = currentVersion;
}
