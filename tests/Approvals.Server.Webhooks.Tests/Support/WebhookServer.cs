using Approvals.Testing.PostgreSql;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Approvals.Server.Webhooks.Tests.Support;

/// <summary>The real program in memory (fan-out and sender running), configured by settings only.</summary>
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
/// One running server per backend and test class, with loopback targets allowed (the receiver is on
/// 127.0.0.1) and a short retry schedule, so an outage of a second or two spans several attempts.
/// Each test works in a tenant of its own.
/// </summary>
public abstract class WebhookServer : IAsyncLifetime
{
    /// <summary>The short schedule: 0.2 s, then 0.4 s for six more retries (3.4 s of attempts before a delivery dies).</summary>
    public static readonly IReadOnlyDictionary<string, string?> ShortSchedule = new Dictionary<string, string?>
    {
        ["Approvals:Webhooks:AllowPrivateTargets"] = "true",
        ["Approvals:Webhooks:SendPollInterval"] = "00:00:00.05",
        ["Approvals:Webhooks:FanOutPollInterval"] = "00:00:00.05",
        ["Approvals:Webhooks:RetrySchedule:0"] = "00:00:00.2",
        ["Approvals:Webhooks:RetrySchedule:1"] = "00:00:00.4",
        ["Approvals:Webhooks:RetrySchedule:2"] = "00:00:00.4",
        ["Approvals:Webhooks:RetrySchedule:3"] = "00:00:00.4",
        ["Approvals:Webhooks:RetrySchedule:4"] = "00:00:00.4",
        ["Approvals:Webhooks:RetrySchedule:5"] = "00:00:00.4",
        ["Approvals:Webhooks:RetrySchedule:6"] = "00:00:00.4",
    };

    private ServerFactory? _factory;
    private HttpClient? _client;

    public HttpClient Client => _client ?? throw new InvalidOperationException("The server was not started (is this backend skipped?).");

    protected virtual bool IsSkipped => false;

    protected abstract Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync();

    protected abstract Task RemoveStorageAsync();

    public async Task InitializeAsync()
    {
        if (IsSkipped)
        {
            return;
        }
        var settings = new Dictionary<string, string?>(ShortSchedule);
        foreach (var (key, value) in await PrepareStorageAsync())
        {
            settings[key] = value;
        }
        _factory = new ServerFactory(settings);
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
public sealed class SqliteWebhookServer : WebhookServer
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"approvals-webhook-tests-{Guid.NewGuid():N}");

    protected override Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { ["Approvals:DataFolder"] = _folder });
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
public sealed class PostgresWebhookServer : WebhookServer
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"approvals-webhook-tests-{Guid.NewGuid():N}");
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
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
