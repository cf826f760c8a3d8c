using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Approvals.Runtime.Actors;
using Approvals.Testing;

namespace Approvals.Runtime.Tests.Actors;

public sealed class ActorHostTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new();
    private readonly ActorMetrics _metrics = new();

    public void Dispose() => _metrics.Dispose();

    private sealed class CountingActor
    {
        public int InFlight;
        public int MaxInFlight;
        public int Calls;
    }

    private ActorHost<CountingActor> NewHost(ActorHostOptions? options, ConcurrentBag<CountingActor>? activations = null) =>
        new("test", _ =>
        {
            var actor = new CountingActor();
            activations?.Add(actor);
            return actor;
        }, options ?? new ActorHostOptions(), _clock, _metrics);

    private static async Task<int> TurnAsync(CountingActor actor)
    {
        var now = Interlocked.Increment(ref actor.InFlight);
        InterlockedMax(ref actor.MaxInFlight, now);
        await Task.Yield();
        await Task.Delay(1);
        actor.Calls++;
        Interlocked.Decrement(ref actor.InFlight);
        return actor.Calls;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    [Fact]
    public async Task Invoke_ConcurrentCallsOnOneId_RunOneAtATime()
    {
        var activations = new ConcurrentBag<CountingActor>();
        using var host = NewHost(null, activations);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ =>
            Task.Run(() => host.InvokeAsync("a1", "op", (actor, _) => TurnAsync(actor), CancellationToken.None))));

        var actor = Assert.Single(activations);
        Assert.Equal(1, actor.MaxInFlight);
        Assert.Equal(200, actor.Calls);
        Assert.Equal(Enumerable.Range(1, 200), results.Order());
    }

    [Fact]
    public async Task Invoke_DifferentIds_RunSideBySide()
    {
        using var host = NewHost(null);
        var bothInside = new TaskCompletionSource();
        var inside = 0;

        async Task<int> Turn()
        {
            if (Interlocked.Increment(ref inside) == 2)
            {
                bothInside.TrySetResult();
            }
            await bothInside.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return 0;
        }

        await Task.WhenAll(
            host.InvokeAsync("a", "op", (_, _) => Turn(), CancellationToken.None),
            host.InvokeAsync("b", "op", (_, _) => Turn(), CancellationToken.None));
        Assert.True(bothInside.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task IdleActor_IsDeactivatedAfterIdleTimeout_AndReactivatedOnNextCall()
    {
        var activations = new ConcurrentBag<CountingActor>();
        using var host = NewHost(new ActorHostOptions { IdleTimeout = TimeSpan.FromMinutes(5) }, activations);
        await host.InvokeAsync("a1", "op", (actor, _) => TurnAsync(actor), CancellationToken.None);
        Assert.Equal(1, host.ActiveCount);

        _clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(1, host.ActiveCount);

        // The sweep runs on the fake clock every quarter of the idle timeout.
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, host.ActiveCount);

        var calls = await host.InvokeAsync("a1", "op", (actor, _) => TurnAsync(actor), CancellationToken.None);
        Assert.Equal(1, calls);
        Assert.Equal(2, activations.Count);
    }

    [Fact]
    public async Task ActiveActors_StayWithinTheBound()
    {
        using var host = NewHost(new ActorHostOptions { MaxActiveActors = 100 });
        for (var i = 0; i < 1000; i++)
        {
            await host.InvokeAsync($"a{i}", "op", (actor, _) => TurnAsync(actor), CancellationToken.None);
            Assert.True(host.ActiveCount <= 101, $"{host.ActiveCount} active after {i + 1} ids");
        }
    }

    [Fact]
    public async Task Metrics_CountCallsFailuresAndLatency_PerActorTypeAndOperation()
    {
        var seen = new ConcurrentBag<(string Instrument, object? Operation, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ActorMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            object? operation = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "operation")
                {
                    operation = tag.Value;
                }
            }
            seen.Add((instrument.Name, operation, value));
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        using var host = NewHost(null);
        await host.InvokeAsync("a1", "approve", (actor, _) => TurnAsync(actor), CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            host.InvokeAsync<int>("a1", "reject", (_, _) => throw new InvalidOperationException("boom"), CancellationToken.None));
        listener.RecordObservableInstruments();

        Assert.Contains(seen, m => m.Instrument == "approvals.actor.calls" && Equals(m.Operation, "approve"));
        Assert.Contains(seen, m => m.Instrument == "approvals.actor.calls" && Equals(m.Operation, "reject"));
        Assert.Contains(seen, m => m.Instrument == "approvals.actor.failures" && Equals(m.Operation, "reject"));
        Assert.DoesNotContain(seen, m => m.Instrument == "approvals.actor.failures" && Equals(m.Operation, "approve"));
        Assert.Contains(seen, m => m.Instrument == "approvals.actor.duration" && Equals(m.Operation, "approve") && m.Value >= 0);
        Assert.Contains(seen, m => m.Instrument == "approvals.actor.active" && m.Value >= 1);
    }
}
