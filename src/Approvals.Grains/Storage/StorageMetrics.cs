using System.Diagnostics.Metrics;

namespace Approvals.Grains.Storage;

/// <summary>
/// The grain storage's metrics (meter <c>Approvals.Grains</c>): writes per group commit and lost write
/// races. Grain calls themselves are measured by Orleans (and shown on its dashboard).
/// </summary>
public sealed class StorageMetrics : IDisposable
{
    /// <summary>The meter name to listen to or export.</summary>
    public const string MeterName = "Approvals.Grains";

    private readonly Meter _meter;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _conflicts;

    public StorageMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _batchSize = _meter.CreateHistogram<int>("approvals.storage.batch_size", description: "Writes per group commit.");
        _conflicts = _meter.CreateCounter<long>("approvals.storage.conflicts", description: "Grain writes that lost a version race (the grain reloads and decides again).");
    }

    internal void Batch(int size) => _batchSize.Record(size);

    internal void Conflict(string grainType) => _conflicts.Add(1, new KeyValuePair<string, object?>("grain_type", grainType));

    public void Dispose() => _meter.Dispose();
}
