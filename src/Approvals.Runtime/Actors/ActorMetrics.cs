using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Approvals.Runtime.Actors;

/// <summary>
/// Actor metrics (meter <c>Approvals.Runtime</c>): calls, failures, refusals and latency per actor type
/// and operation; active actors per type; group-commit batch sizes.
/// </summary>
public sealed class ActorMetrics : IDisposable
{
    /// <summary>The meter name to listen to or export.</summary>
    public const string MeterName = "Approvals.Runtime";

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _conflicts;
    private readonly Histogram<double> _duration;
    private readonly Histogram<int> _batchSize;
    private readonly List<Func<Measurement<int>>> _activeSources = [];
    private readonly Lock _gate = new();

    public ActorMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _calls = _meter.CreateCounter<long>("approvals.actor.calls", description: "Commands handled by actors.");
        _failures = _meter.CreateCounter<long>("approvals.actor.failures", description: "Commands that failed with an exception.");
        _refusals = _meter.CreateCounter<long>("approvals.actor.refusals", description: "Commands refused by a rule (with its code).");
        _conflicts = _meter.CreateCounter<long>("approvals.actor.conflicts", description: "Writes that lost a version race and were re-run.");
        _duration = _meter.CreateHistogram<double>("approvals.actor.duration", unit: "ms", description: "Time from a command's arrival to its reply.");
        _batchSize = _meter.CreateHistogram<int>("approvals.storage.batch_size", description: "Writes per group commit.");
        _meter.CreateObservableGauge("approvals.actor.active", ObserveActive, description: "Activated actors.");
    }

    internal void RegisterActiveCount(string actorType, Func<int> count)
    {
        lock (_gate)
        {
            _activeSources.Add(() => new Measurement<int>(count(), new KeyValuePair<string, object?>("actor_type", actorType)));
        }
    }

    internal void Call(string actorType, string operation, long startTimestamp, string? refusalCode, bool failed)
    {
        var tags = new TagList { { "actor_type", actorType }, { "operation", operation } };
        _calls.Add(1, tags);
        _duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds, tags);
        if (failed)
        {
            _failures.Add(1, tags);
        }
        if (refusalCode is not null)
        {
            tags.Add("code", refusalCode);
            _refusals.Add(1, tags);
        }
    }

    internal void Conflict(string actorType, string operation) =>
        _conflicts.Add(1, new TagList { { "actor_type", actorType }, { "operation", operation } });

    internal void Batch(int size) => _batchSize.Record(size);

    private IEnumerable<Measurement<int>> ObserveActive()
    {
        lock (_gate)
        {
            return _activeSources.Select(s => s()).ToList();
        }
    }

    public void Dispose() => _meter.Dispose();
}
