using Approvals.Core;
using Approvals.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Webhooks;

/// <summary>
/// Turns events into deliveries: follows the event log from its own checkpoint and enqueues one
/// delivery per matching, live subscription of the event's tenant that existed when the event
/// happened. At least once: the checkpoint moves only after the batch's deliveries are stored, and
/// the (subscription, event) key drops the repeats, so every node may run one.
/// </summary>
public sealed class WebhookFanOut(IEventLog log, ICheckpointStore checkpoints, IWebhookStore store, WebhookWakeup wakeup,
    IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookFanOut> logger) : BackgroundService
{
    /// <summary>The consumer name of the checkpoint.</summary>
    public const string Consumer = "webhooks";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunOnceAsync(stoppingToken) == 0)
                {
                    await Task.Delay(options.Value.FanOutPollInterval, clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                logger.LogError(error, "Fanning events out to webhooks failed; retrying.");
                await Task.Delay(options.Value.FanOutPollInterval, clock, stoppingToken);
            }
        }
    }

    /// <summary>Enqueues the deliveries of the next batch of the log; returns how many events it read.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var after = await checkpoints.ReadCheckpointAsync(Consumer, cancellationToken);
        var events = await log.ReadAfterAsync(after, options.Value.BatchSize, cancellationToken);
        if (events.Count == 0)
        {
            return 0;
        }
        var now = clock.GetUtcNow();
        var subscriptions = new Dictionary<string, IReadOnlyList<WebhookSubscription>>(StringComparer.Ordinal);
        var deliveries = new List<NewWebhookDelivery>();
        foreach (var e in events)
        {
            if (!subscriptions.TryGetValue(e.TenantId, out var ofTenant))
            {
                subscriptions[e.TenantId] = ofTenant = await store.ListSubscriptionsAsync(e.TenantId, cancellationToken);
            }
            foreach (var subscription in ofTenant)
            {
                if (subscription.DisabledAt is null && e.At >= subscription.CreatedAt && subscription.Wants(e.Type))
                {
                    deliveries.Add(new NewWebhookDelivery(Ids.New("whd", now), subscription.Id, e.TenantId, e, now));
                }
            }
        }
        await store.EnqueueAsync(deliveries, cancellationToken);
        await checkpoints.SaveCheckpointAsync(Consumer, events[^1].Seq, cancellationToken);
        if (deliveries.Count > 0)
        {
            wakeup.Wake();
        }
        return events.Count;
    }
}

/// <summary>Lets the fan-out wake this node's sender as soon as it enqueued something, instead of at its next poll.</summary>
public sealed class WebhookWakeup
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>New deliveries are due.</summary>
    public void Wake()
    {
        lock (_gate)
        {
            _signal.TrySetResult();
        }
    }

    /// <summary>Waits for <paramref name="delay"/> on <paramref name="clock"/> or a <see cref="Wake"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan delay, TimeProvider clock, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            if (_signal.Task.IsCompleted)
            {
                _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return;
            }
            signal = _signal.Task;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(Task.Delay(delay, clock, stop.Token), signal);
        await stop.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_signal.Task.IsCompleted)
            {
                _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }
}
