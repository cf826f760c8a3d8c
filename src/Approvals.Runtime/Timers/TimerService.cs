using Approvals.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Approvals.Runtime.Timers;

/// <summary>
/// Fires durable timers: claims due rows (any number of nodes may run this side by side; a claim
/// is a lease, so no two nodes hold one timer), hands each to its actor type's handler, then deletes
/// it unless it was set again meanwhile. Timers that came due while the process was down are simply
/// due at start. Sleeps until the next due time, a local wake-up, or the poll interval.
/// </summary>
public sealed class TimerService : BackgroundService
{
    private readonly ITimerStore _store;
    private readonly IReadOnlyDictionary<string, ITimerHandler> _handlers;
    private readonly TimerServiceOptions _options;
    private readonly TimerWakeup _wakeup;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public TimerService(ITimerStore store, IEnumerable<ITimerHandler> handlers, IOptions<TimerServiceOptions> options,
        TimerWakeup wakeup, TimeProvider clock, ILogger<TimerService> logger)
    {
        _store = store;
        _handlers = handlers.ToDictionary(h => h.ActorType, StringComparer.Ordinal);
        _options = options.Value;
        _wakeup = wakeup;
        _clock = clock;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var fired = await RunOnceAsync(stoppingToken);
                if (fired < _options.BatchSize)
                {
                    await _wakeup.WaitAsync(await NextWakeAsync(stoppingToken), _clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                _logger.LogError(error, "The timer loop failed; retrying after the poll interval.");
                await _wakeup.WaitAsync(_clock.GetUtcNow() + _options.PollInterval, _clock, stoppingToken);
            }
        }
    }

    /// <summary>Claims and fires the timers due now; returns how many were claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var due = await _store.ClaimDueAsync(_clock.GetUtcNow(), _options.BatchSize, _options.Lease, cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken },
            async (timer, ct) => await FireAsync(timer, ct));
        return due.Count;
    }

    private async Task FireAsync(DueTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            var settled = false;
            if (_handlers.TryGetValue(timer.Actor.Type, out var handler))
            {
                settled = await handler.HandleAsync(timer, cancellationToken);
            }
            else
            {
                _logger.LogWarning("No handler for timer {Timer} of actor {Actor}; dropping it.", timer.Name, timer.Actor);
            }
            if (!settled)
            {
                await _store.CompleteAsync(timer, cancellationToken);
            }
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The claim stays until its lease ends; then this or another node tries again.
            _logger.LogWarning(error, "Timer {Timer} of actor {Actor} failed; it will be retried after its lease.", timer.Name, timer.Actor);
        }
    }

    private async Task<DateTimeOffset> NextWakeAsync(CancellationToken cancellationToken)
    {
        var latest = _clock.GetUtcNow() + _options.PollInterval;
        var next = await _store.NextDueAtAsync(cancellationToken);
        return next is { } due && due < latest ? due : latest;
    }
}
