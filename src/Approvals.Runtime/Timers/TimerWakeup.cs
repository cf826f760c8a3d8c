namespace Approvals.Runtime.Timers;

/// <summary>
/// Lets a local write wake the timer loop when it sets a timer earlier than the loop's next
/// planned poll, so a short deadline set on this node fires on time without a fast poll.
/// </summary>
public sealed class TimerWakeup
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _sleeping;
    private DateTimeOffset _sleepingUntil;
    // A timer set while the loop was awake (between its last look at storage and its next sleep).
    private DateTimeOffset _earliestWhileAwake = DateTimeOffset.MaxValue;

    /// <summary>A timer was set to fire at <paramref name="dueAt"/>.</summary>
    public void Notify(DateTimeOffset dueAt)
    {
        lock (_gate)
        {
            if (!_sleeping)
            {
                _earliestWhileAwake = dueAt < _earliestWhileAwake ? dueAt : _earliestWhileAwake;
            }
            else if (dueAt < _sleepingUntil)
            {
                _signal.TrySetResult();
            }
        }
    }

    /// <summary>Waits until <paramref name="until"/> on <paramref name="clock"/> or until an earlier timer is set.</summary>
    public async Task WaitAsync(DateTimeOffset until, TimeProvider clock, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            until = _earliestWhileAwake < until ? _earliestWhileAwake : until;
            _earliestWhileAwake = DateTimeOffset.MaxValue;
            _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _sleeping = true;
            _sleepingUntil = until;
            signal = _signal.Task;
        }
        try
        {
            var delay = until - clock.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                await Task.WhenAny(Task.Delay(delay, clock, stop.Token), signal);
                await stop.CancelAsync();
            }
        }
        finally
        {
            lock (_gate)
            {
                _sleeping = false;
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }
}
