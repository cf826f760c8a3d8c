namespace Approvals.Grains.Abstractions;

/// <summary>
/// Told by an approval grain that a request changed (an in-cluster client's waiter). Only the id, version and
/// status travel: the waiter reads the request itself, as its caller, so nothing invisible to it leaks.
/// Observers are not durable: a grain forgets them when it is deactivated or its silo stops, so a subscriber
/// subscribes again periodically (<see cref="IApprovalGrain.SubscribeAsync"/>) and keeps a durable path.
/// </summary>
[Alias("approvals.IApprovalObserver")]
public interface IApprovalObserver : IGrainObserver
{
    [Alias("Changed")]
    void Changed(string id, long version, string status);
}
