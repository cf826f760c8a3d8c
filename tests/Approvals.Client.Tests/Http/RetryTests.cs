using Approvals.Client.DependencyInjection;
using Approvals.Client.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Approvals.Client.Tests.Http;

/// <summary>What the client does with no server at all, and with settings it cannot work with.</summary>
public sealed class RetryTests
{
    [Fact]
    public async Task ARefusedConnection_IsRetried_ThenReported()
    {
        var port = Approvals.EndToEnd.Tests.Hosting.ServerProcess.FreeLoopbackPort();
        var faults = new FaultInjection();
        var services = new ServiceCollection();
        services.AddApprovalsClient(o =>
        {
            o.BaseAddress = new Uri($"http://127.0.0.1:{port}");
            o.BearerToken = "unused";
            o.MaxRetryAttempts = 2;
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
        }).AddHttpMessageHandler(() => faults);
        await using var provider = services.BuildServiceProvider();

        await Assert.ThrowsAsync<HttpRequestException>(() => provider.GetRequiredService<IApprovalsClient>().GetAsync("apr_1"));

        Assert.Equal(3, faults.Sent);
    }

    [Fact]
    public async Task ApiKeyAndTokenProvider_AreSentOnEveryAttempt()
    {
        var port = Approvals.EndToEnd.Tests.Hosting.ServerProcess.FreeLoopbackPort();
        var asked = 0;
        var faults = new RecordingHandler();
        var services = new ServiceCollection();
        services.AddApprovalsClient(o =>
        {
            o.BaseAddress = new Uri($"http://127.0.0.1:{port}");
            o.TokenProvider = (_, _) => ValueTask.FromResult($"token-{Interlocked.Increment(ref asked)}");
            o.MaxRetryAttempts = 1;
            o.RetryDelay = TimeSpan.Zero;
        }).AddHttpMessageHandler(() => faults);
        await using var provider = services.BuildServiceProvider();

        await Assert.ThrowsAsync<HttpRequestException>(() => provider.GetRequiredService<IApprovalsClient>().GetAsync("apr_1"));

        Assert.Equal(["Bearer token-1", "Bearer token-2"], faults.Authorizations);
    }

    [Fact]
    public async Task ConflictingCredentials_AreRefusedWhenTheClientIsMade()
    {
        var services = new ServiceCollection();
        services.AddApprovalsClient(o =>
        {
            o.BaseAddress = new Uri("http://127.0.0.1:1");
            o.BearerToken = "a";
            o.ApiKey = "ak_b";
        });
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IApprovalsClient>());

        Assert.Contains("at most one", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Records the Authorization header each attempt carries.</summary>
    private sealed class RecordingHandler : DelegatingHandler
    {
        public List<string?> Authorizations { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Authorizations.Add(request.Headers.Authorization?.ToString());
            return base.SendAsync(request, cancellationToken);
        }
    }
}
