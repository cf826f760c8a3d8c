using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Approvals.Client.DependencyInjection;

/// <summary>Registers <see cref="IApprovalsClient"/> on <c>IHttpClientFactory</c> with retries of transient failures.</summary>
public static class ApprovalsClientServiceCollectionExtensions
{
    /// <summary>The name of the HTTP client (and of its options) that <see cref="AddApprovalsClient"/> registers.</summary>
    public const string HttpClientName = "Approvals";

    /// <summary>
    /// Registers <see cref="IApprovalsClient"/> (and <see cref="ApprovalsClient"/>): calls go to
    /// <see cref="ApprovalsClientOptions.BaseAddress"/> with the configured credential, and an attempt that fails
    /// transiently (no connection, a timeout, 5xx, 408, 429) is retried with the same <c>Idempotency-Key</c>,
    /// after the server's <c>Retry-After</c> when it gives one. Returns the HTTP client's builder, for more
    /// handlers (they run inside the retries) or another primary handler.
    /// </summary>
    public static IHttpClientBuilder AddApprovalsClient(this IServiceCollection services, Action<ApprovalsClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ApprovalsClientOptions>(HttpClientName)
            .Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true }, "ApprovalsClientOptions.BaseAddress must be an absolute URI, such as http://localhost:5080.")
            .Validate(o => new[] { o.BearerToken is { Length: > 0 }, o.ApiKey is { Length: > 0 }, o.TokenProvider is not null }.Count(set => set) <= 1,
                "Set at most one of ApprovalsClientOptions.BearerToken, ApiKey and TokenProvider.")
            .Validate(o => o.MaxRetryAttempts >= 0, "ApprovalsClientOptions.MaxRetryAttempts must not be negative.")
            .Validate(o => o.RetryDelay >= TimeSpan.Zero, "ApprovalsClientOptions.RetryDelay must not be negative.")
            .Validate(o => o.AttemptTimeout > TimeSpan.Zero, "ApprovalsClientOptions.AttemptTimeout must be positive.")
            .Validate(o => o.ReconnectDelay >= TimeSpan.Zero, "ApprovalsClientOptions.ReconnectDelay must not be negative.");

        var builder = services.AddHttpClient<IApprovalsClient, ApprovalsClient>(HttpClientName, (http, provider) =>
        {
            var options = provider.GetRequiredService<IOptionsMonitor<ApprovalsClientOptions>>().Get(HttpClientName);
            // Relative paths resolve under the base address only when it ends in a slash (http://host/approvals/ + v1/…).
            var address = options.BaseAddress!.ToString();
            http.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
            // The pipeline's attempt timeout governs; HttpClient's own would cut an event stream's connect or a long poll short.
            http.Timeout = Timeout.InfiniteTimeSpan;
            return new ApprovalsClient(http, provider.GetService<TimeProvider>()) { ReconnectDelay = options.ReconnectDelay };
        });
        services.AddTransient(provider => (ApprovalsClient)provider.GetRequiredService<IApprovalsClient>());

        builder.AddResilienceHandler("approvals-retry", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptionsMonitor<ApprovalsClientOptions>>().Get(HttpClientName);
            if (options.MaxRetryAttempts > 0)
            {
                // Transient: HttpRequestException (connection refused, reset), the attempt timeout, 5xx, 408, 429.
                // A POST is safe to repeat: its Idempotency-Key travels with every attempt.
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = options.MaxRetryAttempts,
                    Delay = options.RetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldRetryAfterHeader = true,
                });
            }
            pipeline.AddTimeout(options.AttemptTimeout);
        });
        // Inside the retries: every attempt gets the current credential.
        builder.AddHttpMessageHandler(provider =>
            new ApprovalsAuthenticationHandler(provider.GetRequiredService<IOptionsMonitor<ApprovalsClientOptions>>(), HttpClientName, provider));
        return builder;
    }
}
