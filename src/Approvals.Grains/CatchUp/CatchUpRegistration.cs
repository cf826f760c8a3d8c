using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Approvals.Grains.CatchUp;

/// <summary>Adds the start-up catch-up (<see cref="DeadlineCatchUp"/>) and its options to a silo.</summary>
internal static class CatchUpRegistration
{
    public static IServiceCollection AddDeadlineCatchUp(this IServiceCollection services, IConfiguration? configuration)
    {
        var options = services.AddOptions<CatchUpOptions>()
            .Validate(o => o.PageSize is >= 1 and <= 10_000, $"{CatchUpOptions.Section}:PageSize must be between 1 and 10000.")
            .Validate(o => o.MaxConcurrency is >= 1 and <= 1_024, $"{CatchUpOptions.Section}:MaxConcurrency must be between 1 and 1024.")
            .Validate(o => o.AfterSiloFailureDelay >= TimeSpan.Zero, $"{CatchUpOptions.Section}:AfterSiloFailureDelay must not be negative.")
            .ValidateOnStart();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(CatchUpOptions.Section));
        }
        // TryAddEnumerable: a second AddApprovalsGrains on the same silo does not run it twice.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILifecycleParticipant<ISiloLifecycle>, DeadlineCatchUp>());
        return services;
    }
}
