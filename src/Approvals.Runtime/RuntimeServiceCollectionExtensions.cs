using Approvals.Core.Approvals;
using Approvals.Core.Storage;
using Approvals.Runtime.Actors;
using Approvals.Runtime.Approvals;
using Approvals.Runtime.Timers;
using Approvals.Runtime.Workflows;
using Approvals.Core.Workflows;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Approvals.Runtime;

/// <summary>Registers the actor runtime: group commit, approval actors and the timer service.</summary>
public static class RuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the runtime. A storage backend (<see cref="IApprovalsStore"/>) must be registered too.
    /// Options come from the <c>Approvals</c> configuration section when bound by the host.
    /// </summary>
    public static IServiceCollection AddApprovalsRuntime(this IServiceCollection services,
        Action<ApprovalOptions>? approvals = null, Action<ActorHostOptions>? actors = null, Action<TimerServiceOptions>? timers = null)
    {
        services.AddOptions<ApprovalOptions>().Configure(o => approvals?.Invoke(o))
            .Validate(o => o.DefaultExpiry > TimeSpan.Zero && o.DefaultExpiry <= o.MaxExpiry, "DefaultExpiry must be positive and at most MaxExpiry.")
            .Validate(o => o.EscalationWindow > TimeSpan.Zero, "EscalationWindow must be positive.")
            .ValidateOnStart();
        services.AddOptions<ActorHostOptions>().Configure(o => actors?.Invoke(o))
            .Validate(o => o.IdleTimeout > TimeSpan.Zero, "IdleTimeout must be positive.")
            .Validate(o => o.MaxActiveActors > 0 && o.MaxBatchSize > 0 && o.MaxConflictRetries >= 0, "Actor limits must be positive.")
            .ValidateOnStart();
        services.AddOptions<TimerServiceOptions>().Configure(o => timers?.Invoke(o))
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.Lease > TimeSpan.Zero && o.BatchSize > 0 && o.MaxConcurrency > 0,
                "Timer poll interval, lease, batch size and concurrency must be positive.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ActorMetrics>();
        services.TryAddSingleton<TimerWakeup>();
        services.TryAddSingleton<ApprovalChanges>();
        services.TryAddSingleton<IStateStore>(sp => sp.GetRequiredService<IApprovalsStore>());
        services.TryAddSingleton<ITimerStore>(sp => sp.GetRequiredService<IApprovalsStore>());
        services.TryAddSingleton(sp => new GroupCommitWriter(
            sp.GetRequiredService<IStateStore>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ActorHostOptions>>().Value,
            sp.GetRequiredService<ActorMetrics>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<GroupCommitWriter>>()));
        services.TryAddSingleton<ApprovalService>();
        services.AddSingleton<ITimerHandler>(sp => sp.GetRequiredService<ApprovalService>());
        services.AddOptions<WorkflowOptions>()
            .Validate(o => o.MaxStepRuns > 0, "Approvals:Workflows:MaxStepRuns must be positive.")
            .ValidateOnStart();
        services.AddOptions<WorkflowDispatcherOptions>()
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.BatchSize > 0, "The workflow dispatcher's poll interval and batch size must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton<IEventLog>(sp => sp.GetRequiredService<IApprovalsStore>());
        services.TryAddSingleton<ICheckpointStore>(sp => sp.GetRequiredService<IApprovalsStore>());
        services.TryAddSingleton<WorkflowService>();
        services.AddSingleton<ITimerHandler>(sp => sp.GetRequiredService<WorkflowService>());
        services.AddHostedService<WorkflowDispatcher>();
        services.TryAddSingleton<IChangeFeed>(sp => sp.GetRequiredService<IApprovalsStore>());
        services.AddHostedService<TimerService>();
        services.AddHostedService<ChangeFeedListener>();
        return services;
    }
}
