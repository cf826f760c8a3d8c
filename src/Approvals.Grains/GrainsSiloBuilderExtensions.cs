using Approvals.Core.Approvals;
using Approvals.Core.Workflows;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Approvals.Grains.Approvals;
using Approvals.Runtime.Actors;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Approvals.Grains.Storage;
using Orleans.Storage;

namespace Approvals.Grains;

/// <summary>Registers the approval grains and what they need on a silo.</summary>
public static class GrainsSiloBuilderExtensions
{
    /// <summary>
    /// The approval and workflow grains, their storage (over the <see cref="IStateStore"/> the backend registered) and the
    /// contract serialisation. The backend registers its stores, clustering and reminders itself.
    /// </summary>
    public static ISiloBuilder AddApprovalsGrains(this ISiloBuilder silo, IConfiguration? configuration = null)
    {
        var services = silo.Services;
        services.AddSerializer(serializer => serializer.AddApprovalsContracts());
        var grainOptions = services.AddOptions<ApprovalGrainOptions>()
            .Validate(o => o.ReminderPeriod >= TimeSpan.FromMinutes(1), "Approvals:Grains:ReminderPeriod must be at least a minute (Orleans' minimum).")
            .Validate(o => o.MaxConflictRetries >= 1, "Approvals:Grains:MaxConflictRetries must be at least 1.")
            .ValidateOnStart();
        var approvalOptions = services.AddOptions<ApprovalOptions>();
        var workflowOptions = services.AddOptions<WorkflowOptions>();
        if (configuration is not null)
        {
            grainOptions.Bind(configuration.GetSection(ApprovalGrainOptions.Section));
            approvalOptions.Bind(configuration.GetSection("Approvals"));
            workflowOptions.Bind(configuration.GetSection("Approvals:Workflows"));
        }
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ActorMetrics>();
        services.TryAddSingleton(sp => new GroupCommitWriter(
            sp.GetRequiredService<IStateStore>(),
            sp.GetService<IOptions<ActorHostOptions>>()?.Value ?? new ActorHostOptions(),
            sp.GetRequiredService<ActorMetrics>(),
            sp.GetRequiredService<ILogger<GroupCommitWriter>>()));
        services.AddGrainStorage(GroupCommitGrainStorage.Name, (sp, _) =>
            new GroupCommitGrainStorage(sp.GetRequiredService<IStateStore>(), sp.GetRequiredService<GroupCommitWriter>()));
        return silo;
    }
}
