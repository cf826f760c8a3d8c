using System.Collections.Concurrent;
using System.Diagnostics;
using Approvals.Core;

namespace Approvals.Runtime.Actors;

/// <summary>
/// Runs one actor per id of one actor type: activates it on the first call, hands it one call at a
/// time (a per-id mailbox: callers queue on the actor's gate in arrival order), and deactivates it
/// when idle or when the host holds more activations than allowed. Actors keep no truth of their
/// own: state is in storage and every write is version-checked, so dropping an activation (or
/// running the same id on several nodes) is always safe.
/// </summary>
/// <typeparam name="TActor">The actor class; one instance per active id.</typeparam>
public sealed class ActorHost<TActor> : IDisposable where TActor : class
{
    private readonly ConcurrentDictionary<string, Activation> _activations = new(StringComparer.Ordinal);
    private readonly Func<string, TActor> _activate;
    private readonly ActorHostOptions _options;
    private readonly TimeProvider _clock;
    private readonly ActorMetrics _metrics;
    private readonly ITimer _idleSweep;
    private int _evicting;

    public ActorHost(string actorType, Func<string, TActor> activate, ActorHostOptions options, TimeProvider clock, ActorMetrics metrics)
    {
        ActorType = actorType;
        _activate = activate;
        _options = options;
        _clock = clock;
        _metrics = metrics;
        metrics.RegisterActiveCount(actorType, () => _activations.Count);
        var sweepEvery = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, options.IdleTimeout.Ticks / 4));
        _idleSweep = clock.CreateTimer(_ => DeactivateIdle(), null, sweepEvery, sweepEvery);
    }

    /// <summary>The actor type (a metrics tag and the timers' actor type).</summary>
    public string ActorType { get; }

    /// <summary>How many actors are active now.</summary>
    public int ActiveCount => _activations.Count;

    /// <summary>
    /// Runs <paramref name="turn"/> on the actor for <paramref name="id"/> once every earlier call to
    /// that id has finished. Calls to different ids run in parallel.
    /// </summary>
    public async Task<T> InvokeAsync<T>(string id, string operation, Func<TActor, CancellationToken, Task<T>> turn, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var failed = false;
        string? refusal = null;
        try
        {
            while (true)
            {
                // GetOrAdd may build a losing Activation under contention; the actor itself is only created
                // by the stored one, on its first turn, so there is exactly one actor per active id.
                var activation = _activations.GetOrAdd(id, static (key, host) =>
                    new Activation(new Lazy<TActor>(() => host._activate(key))) { LastUsed = host._clock.GetTimestamp() }, this);
                EvictIfOverLimit();
                await activation.Gate.WaitAsync(cancellationToken);
                try
                {
                    if (activation.Deactivated)
                    {
                        // Deactivated between lookup and turn: activate afresh.
                        continue;
                    }
                    activation.LastUsed = _clock.GetTimestamp();
                    var result = await turn(activation.Actor.Value, cancellationToken);
                    refusal = (result as IOutcome)?.ErrorCode;
                    return result;
                }
                finally
                {
                    activation.LastUsed = _clock.GetTimestamp();
                    activation.Gate.Release();
                }
            }
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            failed = true;
            throw;
        }
        finally
        {
            _metrics.Call(ActorType, operation, started, refusal, failed);
        }
    }

    /// <summary>Deactivates every actor idle for longer than the idle timeout; returns how many.</summary>
    public int DeactivateIdle()
    {
        var now = _clock.GetTimestamp();
        var idleTicks = _options.IdleTimeout.TotalSeconds * _clock.TimestampFrequency;
        return Deactivate(_activations.Where(a => now - a.Value.LastUsed >= idleTicks));
    }

    private void EvictIfOverLimit()
    {
        if (_activations.Count <= _options.MaxActiveActors || Interlocked.Exchange(ref _evicting, 1) == 1)
        {
            return;
        }
        try
        {
            // Drop the least recently used tenth below the bound, so eviction runs rarely.
            var target = Math.Max(0, _options.MaxActiveActors - _options.MaxActiveActors / 10);
            var excess = _activations.Count - target;
            if (excess > 0)
            {
                Deactivate(_activations.OrderBy(a => a.Value.LastUsed).Take(excess).ToList());
            }
        }
        finally
        {
            Volatile.Write(ref _evicting, 0);
        }
    }

    private int Deactivate(IEnumerable<KeyValuePair<string, Activation>> candidates)
    {
        var count = 0;
        foreach (var entry in candidates)
        {
            // Only an actor that is not busy and has nobody queued goes; a busy one is in use anyway.
            if (!entry.Value.Gate.Wait(0))
            {
                continue;
            }
            try
            {
                if (_activations.TryRemove(entry))
                {
                    entry.Value.Deactivated = true;
                    count++;
                }
            }
            finally
            {
                entry.Value.Gate.Release();
            }
        }
        return count;
    }

    public void Dispose()
    {
        _idleSweep.Dispose();
        _activations.Clear();
    }

    private sealed class Activation(Lazy<TActor> actor)
    {
        public Lazy<TActor> Actor { get; } = actor;
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public long LastUsed { get; set; }
        public bool Deactivated { get; set; }
    }
}
