using Approvals.Core.Storage;
using Approvals.Core.Events;

namespace Approvals.Server.Events;

/// <summary>
/// Relays the storage change feed (event appends committed on other nodes; PostgreSQL's LISTEN/NOTIFY) to this
/// node's live readers of the event log (SSE streams, webhook fan-out), so they read the log at once
/// instead of on their fallback interval. Commits on this node pulse the signal themselves.
/// </summary>
public sealed class ChangeFeedRelay(IChangeFeed feed, EventLogSignal signal, ILogger<ChangeFeedRelay> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in feed.ListenAsync(stoppingToken))
            {
                signal.Pulse();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            // Readers still re-read the log on their fallback interval; only their wake-up is slower.
            logger.LogError(error, "The change feed stopped; live readers fall back to periodic re-reads.");
        }
    }
}
