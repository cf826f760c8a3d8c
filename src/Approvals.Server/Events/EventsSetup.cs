using Approvals.Core.Storage;

namespace Approvals.Server.Events;

/// <summary>Registers the event stream and the audit log (both read the event log through <see cref="IAuditLog"/>).</summary>
public static class EventsSetup
{
    public static IServiceCollection AddApprovalsEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EventStreamOptions>().Bind(configuration.GetSection(EventStreamOptions.Section))
            .Validate(o => o.PingInterval > TimeSpan.Zero, "Approvals:Events:PingInterval must be positive.")
            .Validate(o => o.FallbackInterval > TimeSpan.Zero, "Approvals:Events:FallbackInterval must be positive.")
            .Validate(o => o.PageSize is > 0 and <= 10_000, "Approvals:Events:PageSize must be from 1 to 10000.")
            .ValidateOnStart();
        services.AddHostedService<ChangeFeedRelay>();
        return services;
    }
}
