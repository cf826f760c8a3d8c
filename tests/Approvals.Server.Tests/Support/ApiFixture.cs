using Approvals.Testing.PostgreSql;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Approvals.Server.Tests.Support;

/// <summary>The real program in memory, configured by settings only (as an operator would).</summary>
public sealed class ApiFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
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
/// One running server per backend, shared by a test class (tests isolate their data by tenant).
/// Started lazily, so a backend that is skipped never tries to reach its storage.
/// </summary>
public abstract class ApiFixture : IAsyncLifetime
{
    private ApiFactory? _factory;
    private HttpClient? _client;

    /// <summary>The running server.</summary>
    public ApiFactory Factory => _factory ?? throw new InvalidOperationException("The server was not started (is this backend skipped?).");

    /// <summary>A client of the in-memory server (callers set their own Authorization per request).</summary>
    public HttpClient Client => _client ?? throw new InvalidOperationException("The server was not started (is this backend skipped?).");

    /// <summary>True when this backend's tests are skipped, so nothing is started.</summary>
    protected virtual bool IsSkipped => false;

    /// <summary>Creates the backend's storage and returns the settings that point the server at it.</summary>
    protected abstract Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync();

    /// <summary>Removes what <see cref="PrepareStorageAsync"/> created, after the server stopped.</summary>
    protected abstract Task RemoveStorageAsync();

    public async Task InitializeAsync()
    {
        if (IsSkipped)
        {
            return;
        }
        _factory = new ApiFactory(await PrepareStorageAsync());
        _client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
        if (!IsSkipped)
        {
            await RemoveStorageAsync();
        }
    }
}

/// <summary>SQLite in a temporary data folder of its own.</summary>
public sealed class SqliteApiFixture : ApiFixture
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"approvals-server-tests-{Guid.NewGuid():N}");

    protected override Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
        {
            ["Approvals:DataFolder"] = _folder,
        });
    }

    protected override Task RemoveStorageAsync()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
        return Task.CompletedTask;
    }
}

/// <summary>PostgreSQL in a fresh schema of its own (skipped without a server unless CI=true).</summary>
public sealed class PostgresApiFixture : ApiFixture
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"approvals-server-tests-{Guid.NewGuid():N}");
    private PostgresDatabase? _database;

    protected override bool IsSkipped => PostgresEnvironment.SkipReason is not null;

    protected override async Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        return new Dictionary<string, string?>
        {
            // The data folder must exist for the server, but nothing may be kept there with PostgreSQL.
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
