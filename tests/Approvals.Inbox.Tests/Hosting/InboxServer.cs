using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Approvals.Testing.Http;
using Approvals.Testing.PostgreSql;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Approvals.Inbox.Tests.Hosting;

/// <summary>
/// The real program on a real socket (Kestrel on a free loopback port), so a browser can reach it,
/// configured by settings only, as an operator would, in the Production environment unless told
/// otherwise. A backend (<see cref="SqliteInboxServer"/>, <see cref="PostgresInboxServer"/>) only
/// prepares and removes its storage. Each test works in a tenant of its own.
/// </summary>
public abstract class InboxServer : IAsyncLifetime
{
    private Factory? _factory;

    /// <summary>The environment the server runs in; Production, where cookies must be Secure.</summary>
    protected virtual string EnvironmentName => "Production";

    /// <summary>True when this backend's tests are skipped, so nothing is started.</summary>
    public virtual bool IsSkipped => false;

    /// <summary><c>http://127.0.0.1:&lt;port&gt;/</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>A client of the REST API (callers set their credentials per request).</summary>
    public ApiClient Api => new(Http);

    /// <summary>A plain HTTP client of the server that follows no redirect and keeps no cookie.</summary>
    public HttpClient Http { get; private set; } = new();

    /// <summary>The server's services, for what a test checks behind the pages.</summary>
    public IServiceProvider Services => _factory?.Services ?? throw new InvalidOperationException("The server is not started.");

    protected abstract Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync();

    protected abstract Task RemoveStorageAsync();

    public async Task InitializeAsync()
    {
        if (IsSkipped)
        {
            return;
        }
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Approvals:Auth:SigningKey"] = TestTokens.KeySetting,
            // Every node is a silo: it needs ports of its own (the backends' servers run side by side).
            ["Approvals:Cluster:SiloPort"] = FreePort(),
            ["Approvals:Cluster:GatewayPort"] = FreePort(),
        };
        foreach (var (key, value) in await PrepareStorageAsync())
        {
            settings[key] = value;
        }
        _factory = new Factory(settings, EnvironmentName);
        _factory.UseKestrel();
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
        Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
        if (!IsSkipped)
        {
            await RemoveStorageAsync();
        }
    }

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }

    protected static string NewTempFolder() => Path.Combine(Path.GetTempPath(), $"approvals-inbox-tests-{Guid.NewGuid():N}");

    private sealed class Factory(IReadOnlyDictionary<string, string?> settings, string environment) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        }
    }
}

/// <summary>The server on SQLite in a temporary data folder of its own.</summary>
public class SqliteInboxServer : InboxServer
{
    private readonly string _folder = NewTempFolder();

    protected override Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { ["Approvals:DataFolder"] = _folder });
    }

    protected override Task RemoveStorageAsync()
    {
        // Pooled connections would keep the database file open.
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
        return Task.CompletedTask;
    }
}

/// <summary>The SQLite server in the Development environment, where the session cookie is not Secure.</summary>
public sealed class DevelopmentInboxServer : SqliteInboxServer
{
    protected override string EnvironmentName => "Development";
}

/// <summary>The server on PostgreSQL in a fresh schema (skipped without a server unless CI=true).</summary>
public sealed class PostgresInboxServer : InboxServer
{
    private readonly string _folder = NewTempFolder();
    private PostgresDatabase? _database;

    public override bool IsSkipped => PostgresEnvironment.SkipReason is not null;

    protected override async Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        return new Dictionary<string, string?>
        {
            // The server wants a data folder; everything (the inbox's keys too) is in PostgreSQL.
            ["Approvals:DataFolder"] = _folder,
            ["Approvals:Storage:Provider"] = "postgres",
            ["Approvals:Storage:ConnectionString"] = _database.ConnectionString,
        };
    }

    protected override async Task RemoveStorageAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
