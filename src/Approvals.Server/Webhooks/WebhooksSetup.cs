using Approvals.Runtime.Webhooks;

namespace Approvals.Server.Webhooks;

/// <summary>Adds webhooks to the server with options from <c>Approvals:Webhooks</c>.</summary>
public static class WebhooksSetup
{
    public static IServiceCollection AddApprovalsWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddApprovalsWebhooks();
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section));
        return services;
    }
}
