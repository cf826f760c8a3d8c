using Approvals.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Approvals.Runtime.Webhooks;

/// <summary>Registers webhook fan-out and delivery.</summary>
public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Adds the webhook store (the registered <see cref="IApprovalsStore"/>, which must implement
    /// <see cref="IWebhookStore"/>), the fan-out and the sender. Options may also be bound by the host
    /// from <see cref="WebhookOptions.Section"/>.
    /// </summary>
    public static IServiceCollection AddApprovalsWebhooks(this IServiceCollection services, Action<WebhookOptions>? configure = null)
    {
        services.AddOptions<WebhookOptions>().Configure(o => configure?.Invoke(o))
            .Validate(o => o.FanOutPollInterval > TimeSpan.Zero && o.SendPollInterval > TimeSpan.Zero, "Webhook poll intervals must be positive.")
            .Validate(o => o.BatchSize > 0 && o.MaxConcurrency > 0, "Webhook batch size and concurrency must be positive.")
            .Validate(o => o.Timeout > TimeSpan.Zero && o.Lease > o.Timeout, "The webhook timeout must be positive and shorter than the lease.")
            .Validate(o => o.Schedule.All(step => step > TimeSpan.Zero), "Every step of the webhook retry schedule must be positive.")
            .Validate(o => o.DisableAfter > TimeSpan.Zero, "Approvals:Webhooks:DisableAfter must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEventLog>(sp => sp.GetRequiredService<IApprovalsStore>());
        services.TryAddSingleton<ICheckpointStore>(sp => sp.GetRequiredService<IApprovalsStore>());
        services.TryAddSingleton<WebhookWakeup>();
        services.AddHostedService<WebhookFanOut>();
        services.AddHostedService<WebhookSender>();
        return services;
    }
}
