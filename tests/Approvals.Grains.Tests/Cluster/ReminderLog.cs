using System.Collections.Concurrent;
using System.Diagnostics;
using Orleans.Reminders.Diagnostics;
using Orleans.Runtime;

namespace Approvals.Grains.Tests.Cluster;

/// <summary>
/// What the reminder services of this process did to a set of grains (Orleans' reminder diagnostic
/// events): which silo took each registration, which loaded it, which fired its ticks, and when
/// (time since the log started).
/// </summary>
public sealed class ReminderLog : IObserver<ReminderEvents.ReminderEvent>, IDisposable
{
    private readonly Func<GrainId, bool> _watched;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly IDisposable _subscription;

    private ReminderLog(Func<GrainId, bool> watched)
    {
        _watched = watched;
        _subscription = ReminderEvents.AllEvents.Subscribe(this);
    }

    /// <summary>Starts logging the events of the grains <paramref name="watched"/> selects.</summary>
    public static ReminderLog Start(Func<GrainId, bool> watched) => new(watched);

    public ConcurrentQueue<Entry> Entries { get; } = new();

    /// <summary>The time since the log started, on the same clock as <see cref="Entry.At"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public IEnumerable<Entry> Of<TEvent>() where TEvent : ReminderEvents.ReminderEvent => Entries.Where(e => e.Event is TEvent);

    public void OnNext(ReminderEvents.ReminderEvent value)
    {
        if (_watched(value.GrainId))
        {
            Entries.Enqueue(new Entry(_clock.Elapsed, value));
        }
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }

    public void Dispose() => _subscription.Dispose();

    /// <param name="At">When it happened, since the log started.</param>
    public sealed record Entry(TimeSpan At, ReminderEvents.ReminderEvent Event)
    {
        public GrainId Grain => Event.GrainId;

        public SiloAddress? Silo => Event.SiloAddress;
    }
}
