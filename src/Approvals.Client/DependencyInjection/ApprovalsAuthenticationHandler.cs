using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Approvals.Client.DependencyInjection;

/// <summary>
/// Puts the configured credential on each attempt of a call (it sits inside the retry pipeline, so a token
/// provider is asked again for every retry).
/// </summary>
internal sealed class ApprovalsAuthenticationHandler(IOptionsMonitor<ApprovalsClientOptions> options, string name, IServiceProvider services)
    : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var settings = options.Get(name);
        if (settings.TokenProvider is { } provider)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await provider(services, cancellationToken));
        }
        else if (settings.BearerToken is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (settings.ApiKey is { Length: > 0 } key)
        {
            request.Headers.Remove(ApiKeyHeader);
            request.Headers.TryAddWithoutValidation(ApiKeyHeader, key);
        }
        return await base.SendAsync(request, cancellationToken);
    }

    public const string ApiKeyHeader = "X-Api-Key";
}
