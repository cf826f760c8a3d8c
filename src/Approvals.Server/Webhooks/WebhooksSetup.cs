namespace Approvals.Server.Webhooks;

/// <summary>Adds webhook fan-out and delivery to the server, with options from <c>Approvals:Webhooks</c>.</summary>
public static class WebhooksSetup
{
    public static IServiceCollection AddApprovalsWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section))
            .Validate(o => o.FanOutPollInterval > TimeSpan.Zero && o.SendPollInterval > TimeSpan.Zero, "Webhook poll intervals must be positive.")
            .Validate(o => o.BatchSize > 0 && o.MaxConcurrency > 0, "Webhook batch size and concurrency must be positive.")
            .Validate(o => o.Timeout > TimeSpan.Zero && o.Lease > o.Timeout, "The webhook timeout must be positive and shorter than the lease.")
            .Validate(o => o.Schedule.All(step => step > TimeSpan.Zero), "Every step of the webhook retry schedule must be positive.")
            .Validate(o => o.DisableAfter > TimeSpan.Zero, "Approvals:Webhooks:DisableAfter must be positive.")
            .ValidateOnStart();
        // The stores (IWebhookStore, IEventLog, ICheckpointStore) come with the backend.
        services.AddSingleton<WebhookWakeup>();
        services.AddSingleton<WebhookMetrics>();
        services.AddHostedService<WebhookFanOut>();
        services.AddHostedService<WebhookSender>();
        return services;
    }
}
