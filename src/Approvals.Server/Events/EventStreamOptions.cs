namespace Approvals.Server.Events;

/// <summary>Settings of the live event stream (<c>Approvals:Events</c>).</summary>
public sealed class EventStreamOptions
{
    public const string Section = "Approvals:Events";

    /// <summary>How often an idle stream sends a comment, so proxies and clients see it is alive.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The longest a stream waits before re-reading the log without a wake-up signal: covers a change
    /// notice lost while the listening connection was down.
    /// </summary>
    public TimeSpan FallbackInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events read per query while catching up.</summary>
    public int PageSize { get; set; } = 200;
}
