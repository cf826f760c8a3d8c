using Approvals.Client.DependencyInjection;
using Approvals.Server.Tests.Support;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Client.Tests.Support;

/// <summary>
/// A suite of client calls against a shared in-memory server, written once and subclassed per backend. Each
/// test works in a tenant of its own. Clients are built as an application builds them
/// (<c>AddApprovalsClient</c>: its retries and credentials), with <see cref="FaultInjection"/> between them and
/// the server.
/// </summary>
public abstract class ClientTests<TServer>(TServer server) : IAsyncLifetime where TServer : ServerFixture
{
    private readonly List<ServiceProvider> _providers = [];

    protected TServer Server { get; } = server;

    /// <summary>This test's own tenant.</summary>
    protected string Tenant { get; } = $"t_{Guid.NewGuid():N}";

    protected Caller Requester => Person("rita", "Rita Requester", "requester");

    protected Caller Reviewer => Person("rob", "Rob Reviewer", "reviewer");

    protected Caller Admin => Person("ada", "Ada Admin", "admin");

    protected Caller Person(string id, string name, params string[] roles) => new(id, name, Tenant, roles);

    /// <summary>
    /// A client for <paramref name="caller"/> (none: no credential) made by <c>AddApprovalsClient</c>, whose
    /// attempts pass through <paramref name="faults"/>. Retries wait little here, so tests stay quick.
    /// </summary>
    protected IApprovalsClient ClientFor(Caller? caller, FaultInjection? faults = null, Action<ApprovalsClientOptions>? configure = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddApprovalsClient(o =>
        {
            o.BaseAddress = new Uri("http://localhost/");
            o.BearerToken = caller?.Token;
            o.RetryDelay = TimeSpan.FromMilliseconds(20);
            configure?.Invoke(o);
        });
        // The in-memory server instead of a socket; everything above it is the client as shipped.
        var testServer = (TestServer)Server.Services.GetRequiredService<IServer>();
        builder.ConfigurePrimaryHttpMessageHandler(testServer.CreateHandler);
        builder.AddHttpMessageHandler(() => faults ?? new FaultInjection());
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider.GetRequiredService<IApprovalsClient>();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }
}
