using Approvals.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Approvals.Runtime.Approvals;

/// <summary>Relays the storage change feed (writes made on other nodes) to this node's waiters.</summary>
public sealed class ChangeFeedListener(IChangeFeed feed, ApprovalChanges changes, ILogger<ChangeFeedListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var id in feed.ListenAsync(stoppingToken))
            {
                changes.Publish(id);
                Events.EventLogSignal.For(feed).Pulse();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            // Waiters still re-read storage on their fallback interval; only their wake-up is slower.
            logger.LogError(error, "The change feed stopped; long-polls fall back to periodic re-reads.");
        }
    }
}
