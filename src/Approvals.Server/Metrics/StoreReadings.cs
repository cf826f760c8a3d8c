using Approvals.Contracts;
using Approvals.Core.Storage;
using Approvals.Grains.Workflows;
using Approvals.Server.Webhooks;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Metrics;

/// <summary>
/// The figures <c>/metrics</c> reads from the store, cached for <see cref="MetricsOptions.StoreCacheDuration"/>:
/// requests of all tenants by status (the counters the store keeps with every write, a few rows) and, for each
/// reader that follows the event log from a checkpoint, its lag: the age of the oldest event it has not finished
/// (now − that event's <c>at</c>), 0 when it is caught up. A reader that falls behind or stops shows a lag that
/// grows by a second every second; a busy but keeping-up one shows at most its poll interval and a batch's work.
/// The checkpoints are shared by the nodes, so every node reports the cluster's lag.
/// </summary>
public sealed class StoreReadings(IApprovalQueries queries, IEventLog log, ICheckpointStore checkpoints, IOptions<MetricsOptions> options,
    TimeProvider clock, ILogger<StoreReadings> logger) : IDisposable
{
    /// <summary>
    /// The checkpointed readers of the log: the decision dispatcher (decisions → workflows) and the webhook
    /// fan-out (events → deliveries). Live SSE streams keep no checkpoint (each follows its own connection).
    /// </summary>
    public static readonly IReadOnlyList<string> Readers = [DecisionDispatcher.Consumer, WebhookFanOut.Consumer];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Snapshot? _last;

    /// <summary>What one read of the store found, and when.</summary>
    public sealed record Snapshot(DateTimeOffset ReadAt, IReadOnlyDictionary<ApprovalStatus, long> Requests, IReadOnlyDictionary<string, TimeSpan> Lag);

    /// <summary>The figures, read from the store now unless a read younger than the cache duration exists; one read at a time.</summary>
    public async Task<Snapshot> GetAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } cached)
        {
            return cached;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Scrapes that queued behind a read take its result instead of reading again.
            if (Fresh() is { } read)
            {
                return read;
            }
            return _last = await ReadAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// For the gauges' callbacks, which the exporter calls synchronously during a scrape: waits for the read at
    /// most <see cref="MetricsOptions.StoreReadTimeout"/>; on a failure or a timeout the previous figures (or none).
    /// </summary>
    public Snapshot? ForScrape()
    {
        using var timeout = new CancellationTokenSource(options.Value.StoreReadTimeout);
        try
        {
            return GetAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // A scrape must not fail over one source: the exporter would answer 500 and lose every other metric.
            logger.LogWarning(error, "Reading the store for /metrics failed; the scrape shows the figures of {ReadAt}.", _last?.ReadAt);
            return _last;
        }
    }

    public void Dispose() => _gate.Dispose();

    private Snapshot? Fresh() =>
        _last is { } last && clock.GetUtcNow() - last.ReadAt < options.Value.StoreCacheDuration ? last : null;

    private async Task<Snapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var readAt = clock.GetUtcNow();
        var requests = await queries.CountAllByStatusAsync(cancellationToken);
        var lag = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var reader in Readers)
        {
            var position = await checkpoints.ReadCheckpointAsync(reader, cancellationToken);
            var next = await log.ReadAfterAsync(position, 1, cancellationToken);
            // An event stamped a little ahead of this node's clock (another node's) is not negative lag.
            lag[reader] = next.Count == 0 || next[0].At >= readAt ? TimeSpan.Zero : readAt - next[0].At;
        }
        return new Snapshot(readAt, requests, lag);
    }
}
