using Approvals.Core.Approvals;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Approvals.Grains.Abstractions;
using Approvals.Grains.Approvals;
using Approvals.Grains.CatchUp;
using Approvals.Grains.Storage;
using Approvals.Grains.Workflows;
using Approvals.Core.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;

namespace Approvals.Grains;

/// <summary>Registers the approval grains and what they need on a silo.</summary>
public static class GrainsSiloBuilderExtensions
{
    /// <summary>
    /// The approval and workflow grains, their storage (over the store ports the backend registered:
    /// <see cref="IStateStore"/>, <see cref="IEventLog"/>, <see cref="ICheckpointStore"/>, <see cref="IDueWorkStore"/>),
    /// the decision dispatcher, the start-up catch-up of deadlines missed while no silo ran and the contract
    /// serialisation. Options bind from <paramref name="configuration"/> when given. The backend registers its
    /// stores, clustering and reminders itself.
    /// </summary>
    public static ISiloBuilder AddApprovalsGrains(this ISiloBuilder silo, IConfiguration? configuration = null)
    {
        var services = silo.Services;
        services.AddSerializer(serializer => serializer.AddApprovalsContracts());
        var grainOptions = services.AddOptions<ApprovalGrainOptions>()
            .Validate(o => o.ReminderPeriod >= TimeSpan.FromMinutes(1), "Approvals:Grains:ReminderPeriod must be at least a minute (Orleans' minimum).")
            .Validate(o => o.MaxConflictRetries >= 1, "Approvals:Grains:MaxConflictRetries must be at least 1.")
            .Validate(o => o.IdleTimeout >= TimeSpan.FromMinutes(1), "Approvals:Grains:IdleTimeout must be at least a minute.")
            .Validate(o => o.MaxBatchSize >= 1, "Approvals:Grains:MaxBatchSize must be at least 1.")
            .ValidateOnStart();
        var approvalOptions = services.AddOptions<ApprovalOptions>()
            .Validate(o => o.DefaultExpiry > TimeSpan.Zero && o.DefaultExpiry <= o.MaxExpiry, "DefaultExpiry must be positive and at most MaxExpiry.")
            .Validate(o => o.EscalationWindow > TimeSpan.Zero, "EscalationWindow must be positive.")
            .ValidateOnStart();
        var workflowOptions = services.AddOptions<WorkflowOptions>()
            .Validate(o => o.MaxStepRuns > 0, "Approvals:Workflows:MaxStepRuns must be positive.")
            .ValidateOnStart();
        var dispatcherOptions = services.AddOptions<DecisionDispatcherOptions>()
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.BatchSize > 0, "The decision dispatcher's poll interval and batch size must be positive.")
            .ValidateOnStart();
        // Approvals:IdempotencyRetention: the gateway's replies and the command grain's (in-cluster calls) alike.
        var idempotencyOptions = services.AddOptions<IdempotencyOptions>()
            .Validate(o => o.IdempotencyRetention >= TimeSpan.FromMinutes(1), "Approvals:IdempotencyRetention must be at least a minute.")
            .ValidateOnStart();
        if (configuration is not null)
        {
            idempotencyOptions.Bind(configuration.GetSection("Approvals"));
            grainOptions.Bind(configuration.GetSection(ApprovalGrainOptions.Section));
            approvalOptions.Bind(configuration.GetSection("Approvals"));
            workflowOptions.Bind(configuration.GetSection("Approvals:Workflows"));
            dispatcherOptions.Bind(configuration.GetSection(DecisionDispatcherOptions.Section));
        }
        // Idle grains deactivate after the configured time (Orleans collects them), dropping their cached state.
        services.AddOptions<GrainCollectionOptions>().Configure<IOptions<ApprovalGrainOptions>>((collection, grains) =>
            collection.CollectionAge = grains.Value.IdleTimeout);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EventLogSignal>();
        services.TryAddSingleton<StorageMetrics>();
        services.TryAddSingleton<ApprovalMetrics>();
        services.TryAddSingleton(sp => new GroupCommitWriter(
            sp.GetRequiredService<IStateStore>(),
            sp.GetRequiredService<IOptions<ApprovalGrainOptions>>().Value.MaxBatchSize,
            sp.GetRequiredService<StorageMetrics>(),
            sp.GetRequiredService<ILogger<GroupCommitWriter>>()));
        services.AddGrainStorage(GroupCommitGrainStorage.Name, (sp, _) => new GroupCommitGrainStorage(
            sp.GetRequiredService<IStateStore>(), sp.GetRequiredService<GroupCommitWriter>(),
            sp.GetRequiredService<EventLogSignal>(), sp.GetRequiredService<StorageMetrics>()));
        services.AddHostedService<DecisionDispatcher>();
        services.AddDeadlineCatchUp(configuration);
        return silo;
    }
}
