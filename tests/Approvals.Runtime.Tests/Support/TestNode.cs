using Approvals.Core.Approvals;
using Approvals.Core.Storage;
using Approvals.Runtime.Actors;
using Approvals.Runtime.Approvals;
using Approvals.Runtime.Timers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Approvals.Runtime.Tests.Support;

/// <summary>One node of Approvals as a test sees it: the runtime over a store, with its own actors and writer.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private bool _timersStarted;

    public TestNode(IApprovalsStore store, TimeProvider clock, ApprovalOptions? approvals = null, ActorHostOptions? actors = null,
        TimerServiceOptions? timers = null, IEnumerable<ITimerHandler>? extraHandlers = null)
    {
        Store = store;
        Clock = clock;
        HostOptions = actors ?? new ActorHostOptions();
        Metrics = new ActorMetrics();
        Writer = new GroupCommitWriter(store, HostOptions, Metrics, NullLogger<GroupCommitWriter>.Instance);
        Wakeup = new TimerWakeup();
        Approvals = new ApprovalService(store, Writer, Options.Create(approvals ?? new ApprovalOptions()), Options.Create(HostOptions),
            clock, Metrics, Wakeup, new ApprovalChanges());
        Timers = new TimerService(store, extraHandlers ?? [Approvals], Options.Create(timers ?? new TimerServiceOptions()), Wakeup, clock,
            NullLogger<TimerService>.Instance);
    }

    public IApprovalsStore Store { get; }
    public TimeProvider Clock { get; }
    public ActorHostOptions HostOptions { get; }
    public ActorMetrics Metrics { get; }
    public GroupCommitWriter Writer { get; }
    public TimerWakeup Wakeup { get; }
    public ApprovalService Approvals { get; }
    public TimerService Timers { get; }

    /// <summary>Starts the background timer loop (tests that drive timers by hand call <see cref="TimerService.RunOnceAsync"/>).</summary>
    public async Task StartTimersAsync()
    {
        _timersStarted = true;
        await Timers.StartAsync(_stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_timersStarted)
        {
            await Timers.StopAsync(CancellationToken.None);
        }
        Timers.Dispose();
        await _stop.CancelAsync();
        await Writer.DisposeAsync();
        Approvals.Dispose();
        Metrics.Dispose();
        _stop.Dispose();
    }
}
