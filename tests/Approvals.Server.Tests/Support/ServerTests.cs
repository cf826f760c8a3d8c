namespace Approvals.Server.Tests.Support;

/// <summary>
/// A suite of HTTP calls against a shared server, written once and subclassed per backend. Each test
/// gets a tenant of its own (a new instance per test), so tests share one server without seeing each
/// other's data.
/// </summary>
public abstract class ServerTests<TServer>(TServer server) where TServer : ServerFixture
{
    protected TServer Server { get; } = server;

    /// <summary>A client of the server's first node.</summary>
    protected ApiClient Api => new(Server.Client);

    /// <summary>This test's own tenant.</summary>
    protected string Tenant { get; } = $"t_{Guid.NewGuid():N}";

    /// <summary>A person of this test's tenant.</summary>
    protected Caller Person(string id, string name, params string[] roles) => new(id, name, Tenant, roles);
}
