using Approvals.Core.Approvals;
using Approvals.Core.Storage;
using Approvals.Runtime.Actors;
using Approvals.Runtime.Approvals;
using Approvals.Core.Workflows;
using Approvals.Runtime.Timers;
using Approvals.Runtime.Workflows;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Approvals.Runtime.Tests.Support;

/// <summary>One node of Approvals as a test sees it: the runtime over a store, with its own actors and writer.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private bool _timersStarted;

    public TestNode(IApprovalsStore store, TimeProvider clock, ApprovalOptions? approvals = null, ActorHostOptions? actors = null,
        TimerServiceOptions? timers = null, IEnumerable<ITimerHandler>? extraHandlers = null, WorkflowOptions? workflows = null)
    {
        Store = store;
        Clock = clock;
        HostOptions = actors ?? new ActorHostOptions();
        Metrics = new ActorMetrics();
        Writer = new GroupCommitWriter(store, HostOptions, Metrics, NullLogger<GroupCommitWriter>.Instance);
        Wakeup = new TimerWakeup();
        Approvals = new ApprovalService(store, Writer, Options.Create(approvals ?? new ApprovalOptions()), Options.Create(HostOptions),
            clock, Metrics, Wakeup, new ApprovalChanges());
        Workflows = new WorkflowService(store, Writer, Approvals, Options.Create(approvals ?? new ApprovalOptions()), Options.Create(workflows ?? new WorkflowOptions()),
            Options.Create(HostOptions), clock, Metrics, Wakeup, NullLogger<WorkflowService>.Instance);
        Dispatcher = new WorkflowDispatcher(store, store, Workflows, Options.Create(new WorkflowDispatcherOptions()), clock, NullLogger<WorkflowDispatcher>.Instance);
        Timers = new TimerService(store, extraHandlers ?? [Approvals, Workflows], Options.Create(timers ?? new TimerServiceOptions()), Wakeup, clock,
            NullLogger<TimerService>.Instance);
    }

    /// <summary>Runs due timers and the workflow dispatcher until neither has anything left to do.</summary>
    public async Task SettleAsync()
    {
        for (var round = 0; round < 100; round++)
        {
            var work = await Timers.RunOnceAsync(default) + await Dispatcher.RunOnceAsync(default);
            if (work == 0)
            {
                return;
            }
        }
        throw new InvalidOperationException("The node did not settle within 100 rounds.");
    }

    public IApprovalsStore Store { get; }
    public TimeProvider Clock { get; }
    public ActorHostOptions HostOptions { get; }
    public ActorMetrics Metrics { get; }
    public GroupCommitWriter Writer { get; }
    public TimerWakeup Wakeup { get; }
    public ApprovalService Approvals { get; }
    public WorkflowService Workflows { get; }
    public WorkflowDispatcher Dispatcher { get; }
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
        Dispatcher.Dispose();
        Workflows.Dispose();
        Approvals.Dispose();
        Metrics.Dispose();
        _stop.Dispose();
    }
}
