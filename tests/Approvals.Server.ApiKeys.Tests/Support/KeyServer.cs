using Approvals.Testing.PostgreSql;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Approvals.Server.ApiKeys.Tests.Support;

/// <summary>The real program in memory, configured by settings only.</summary>
public sealed class ServerFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Approvals:Auth:SigningKey", TestTokens.KeySetting);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }
}

/// <summary>
/// One running server per backend, shared by the tests of a class (each test works in tenants of its
/// own). Nothing starts when the backend is skipped. <see cref="StartNodeAsync"/> starts further
/// nodes on the same storage.
/// </summary>
public abstract class KeyServer : IAsyncLifetime
{
    private readonly List<ServerFactory> _nodes = [];
    private IReadOnlyDictionary<string, string?>? _settings;
    private HttpClient? _client;

    public HttpClient Client => _client ?? throw new InvalidOperationException("The server was not started (is this backend skipped?).");

    protected virtual bool IsSkipped => false;

    /// <summary>Creates the backend's storage and returns the settings that point a server at it.</summary>
    protected abstract Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync();

    /// <summary>Removes the storage, once every node has stopped.</summary>
    protected abstract Task RemoveStorageAsync();

    public async Task InitializeAsync()
    {
        if (IsSkipped)
        {
            return;
        }
        _settings = await PrepareStorageAsync();
        _client = StartNode();
    }

    /// <summary>Another node on the same storage; stopped with the fixture.</summary>
    public HttpClient StartNode()
    {
        var factory = new ServerFactory(_settings ?? throw new InvalidOperationException("The server was not started."));
        _nodes.Add(factory);
        return factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
        if (!IsSkipped)
        {
            await RemoveStorageAsync();
        }
    }

    protected static string NewTempFolder() => Path.Combine(Path.GetTempPath(), $"approvals-apikey-tests-{Guid.NewGuid():N}");

    protected static void DeleteFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>SQLite in a temporary data folder of its own.</summary>
public sealed class SqliteKeyServer : KeyServer
{
    private readonly string _folder = NewTempFolder();

    protected override Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { ["Approvals:DataFolder"] = _folder });
    }

    protected override Task RemoveStorageAsync()
    {
        DeleteFolder(_folder);
        return Task.CompletedTask;
    }
}

/// <summary>PostgreSQL in a fresh schema of its own (skipped without a server unless CI=true).</summary>
public sealed class PostgresKeyServer : KeyServer
{
    // The server wants a data folder; with PostgreSQL nothing is kept there.
    private readonly string _folder = NewTempFolder();
    private PostgresDatabase? _database;

    protected override bool IsSkipped => PostgresEnvironment.SkipReason is not null;

    protected override async Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        return new Dictionary<string, string?>
        {
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
        DeleteFolder(_folder);
    }
}
