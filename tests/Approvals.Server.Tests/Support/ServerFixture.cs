using System.Net;
using Approvals.Testing.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Approvals.Server.Tests.Support;

/// <summary>The real program in memory, configured by settings only (as an operator would).</summary>
public sealed class ServerFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    /// <summary>The address the in-memory server reports for its callers (the test server has no socket).</summary>
    public static readonly IPAddress CallerAddress = IPAddress.Parse("192.0.2.10");

    /// <summary>A request header that sets the caller's address instead (e.g. 127.0.0.1 for a caller on the same machine).</summary>
    public const string RemoteAddressHeader = "X-Test-Remote-Address";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, RemoteAddressFilter>());
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }

    /// <summary>Gives every request the remote address a socket would have, so the audit records one.</summary>
    private sealed class RemoteAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate inner) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.TryParse(context.Request.Headers[RemoteAddressHeader], out var address)
                    ? address
                    : context.Connection.RemoteIpAddress ?? CallerAddress;
                return inner(context);
            });
            next(app);
        };
    }
}

/// <summary>
/// One running server on one backend's storage, shared by many tests: each test works in a tenant of
/// its own, so none sees another's requests, counts, keys or events. Written once; a backend
/// (<see cref="SqliteServer"/>, <see cref="PostgresServer"/>) only prepares and removes its storage, and
/// a feature that needs other settings subclasses a backend and overrides <see cref="FeatureSettings"/>.
/// Nothing starts when the backend is skipped.
/// </summary>
public abstract class ServerFixture : IAsyncLifetime
{
    /// <summary>What every test server runs with, whatever the feature.</summary>
    private static readonly IReadOnlyDictionary<string, string?> TestSettings = new Dictionary<string, string?>
    {
        ["Approvals:Auth:SigningKey"] = TestTokens.KeySetting,
        // Short enough that a test sees a ping without waiting 15 s.
        ["Approvals:Events:PingInterval"] = "00:00:00.300",
    };

    private readonly List<ServerFactory> _nodes = [];
    private readonly List<HttpClient> _clients = [];
    private Dictionary<string, string?>? _settings;

    /// <summary>A client of the first node (callers set their own credentials per request).</summary>
    public HttpClient Client => _clients.Count > 0 ? _clients[0] : throw NotStarted();

    /// <summary>The first node's services, for what a test checks behind the API.</summary>
    public IServiceProvider Services => _nodes.Count > 0 ? _nodes[0].Services : throw NotStarted();

    /// <summary>True when this backend's tests are skipped, so nothing is started.</summary>
    protected virtual bool IsSkipped => false;

    /// <summary>The settings a feature's tests need, laid over the test defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string?> FeatureSettings { get; } = new Dictionary<string, string?>();

    /// <summary>Creates the backend's storage and returns the settings that point a server at it.</summary>
    protected abstract Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync();

    /// <summary>Removes what <see cref="PrepareStorageAsync"/> created, once every node has stopped.</summary>
    protected abstract Task RemoveStorageAsync();

    /// <summary>Runs SQL directly against the storage, behind the server's back (<c>@name</c> parameters).</summary>
    public abstract Task<int> ExecuteSqlAsync(string sql, params (string Name, object Value)[] parameters);

    /// <summary>Reads rows directly from the storage, behind the server's back: each row's columns in order.</summary>
    public abstract Task<IReadOnlyList<object[]>> QueryAsync(string sql);

    /// <summary>The backend's store ports over the same storage as the server, as another node (or a restarted one) would have them.</summary>
    public abstract StoreSet OpenStores();

    public async Task InitializeAsync()
    {
        if (IsSkipped)
        {
            return;
        }
        var settings = new Dictionary<string, string?>(TestSettings);
        foreach (var (key, value) in FeatureSettings.Concat(await PrepareStorageAsync()))
        {
            settings[key] = value;
        }
        _settings = settings;
        StartNode();
    }

    /// <summary>Another node on the same storage, with <paramref name="extra"/> settings; stopped with the fixture.</summary>
    public HttpClient StartNode(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(_settings ?? throw NotStarted())
        {
            // Every node is a silo: each needs ports of its own (test classes run in parallel).
            ["Approvals:Cluster:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Approvals:Cluster:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var node = new ServerFactory(settings);
        _nodes.Add(node);
        // Keeps no cookie: a test that signs in on the inbox sends its session itself, and no other test's
        // request (they share the client) carries it.
        var client = node.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        _clients.Add(client);
        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
        if (!IsSkipped)
        {
            await RemoveStorageAsync();
        }
    }

    /// <summary>A TCP port nobody listens on now (the system picks it).</summary>
    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A temporary folder name of this test run's own.</summary>
    protected static string NewTempFolder() => Path.Combine(Path.GetTempPath(), $"approvals-server-tests-{Guid.NewGuid():N}");

    protected static void DeleteFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static InvalidOperationException NotStarted() => new("The server was not started (is this backend skipped?).");
}
