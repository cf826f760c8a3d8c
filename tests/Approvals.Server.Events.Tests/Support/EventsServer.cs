using System.Net;
using Approvals.Testing.PostgreSql;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Approvals.Server.Events.Tests.Support;

/// <summary>The real program in memory, configured by settings only.</summary>
public sealed class ServerFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    /// <summary>The address the in-memory server reports for its callers (the test server has no socket).</summary>
    public static readonly IPAddress CallerAddress = IPAddress.Parse("192.0.2.10");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Approvals:Auth:SigningKey", TestTokens.KeySetting);
        // Short enough that a test sees a ping without waiting 15 s.
        builder.UseSetting("Approvals:Events:PingInterval", "00:00:00.300");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, RemoteAddressFilter>());
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }

    /// <summary>Gives every request the remote address a socket would have.</summary>
    private sealed class RemoteAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate inner) =>
            {
                context.Connection.RemoteIpAddress ??= CallerAddress;
                return inner(context);
            });
            next(app);
        };
    }
}

/// <summary>
/// One running server per backend, shared by the tests of a class (each test works in a tenant of
/// its own). Nothing starts when the backend is skipped.
/// </summary>
public abstract class EventsServer : IAsyncLifetime
{
    private readonly List<ServerFactory> _factories = [];
    private HttpClient? _client;

    public HttpClient Client => _client ?? throw new InvalidOperationException("The server was not started (is this backend skipped?).");

    protected virtual bool IsSkipped => false;

    /// <summary>Settings that point a server at this backend's storage.</summary>
    protected abstract IReadOnlyDictionary<string, string?> StorageSettings { get; }

    protected abstract Task PrepareStorageAsync();

    protected abstract Task RemoveStorageAsync();

    /// <summary>Runs SQL directly against the storage, behind the server's back.</summary>
    public abstract Task<int> ExecuteSqlAsync(string sql, params (string Name, object Value)[] parameters);

    /// <summary>Another server over the same storage, with extra settings; stopped with this one.</summary>
    public HttpClient StartAnother(IReadOnlyDictionary<string, string?> extra)
    {
        var settings = new Dictionary<string, string?>(StorageSettings);
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        var factory = new ServerFactory(settings);
        _factories.Add(factory);
        return factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
    }

    public async Task InitializeAsync()
    {
        if (IsSkipped)
        {
            return;
        }
        await PrepareStorageAsync();
        _client = StartAnother(new Dictionary<string, string?>());
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        foreach (var factory in _factories)
        {
            await factory.DisposeAsync();
        }
        if (!IsSkipped)
        {
            await RemoveStorageAsync();
        }
    }

    protected static string NewTempFolder() => Path.Combine(Path.GetTempPath(), $"approvals-events-tests-{Guid.NewGuid():N}");
}

/// <summary>SQLite in a temporary data folder of its own.</summary>
public sealed class SqliteEventsServer : EventsServer
{
    private readonly string _folder = NewTempFolder();

    protected override IReadOnlyDictionary<string, string?> StorageSettings => new Dictionary<string, string?> { ["Approvals:DataFolder"] = _folder };

    protected override Task PrepareStorageAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.CompletedTask;
    }

    protected override Task RemoveStorageAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
        return Task.CompletedTask;
    }

    public override async Task<int> ExecuteSqlAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "approvals.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql.Replace("@", "$", StringComparison.Ordinal);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue("$" + name, value);
        }
        return await command.ExecuteNonQueryAsync();
    }
}

/// <summary>PostgreSQL in a fresh schema of its own (skipped without a server unless CI=true).</summary>
public sealed class PostgresEventsServer : EventsServer
{
    // The server wants a data folder; with PostgreSQL nothing is kept there.
    private readonly string _folder = NewTempFolder();
    private PostgresDatabase? _database;

    protected override bool IsSkipped => PostgresEnvironment.SkipReason is not null;

    private PostgresDatabase Database => _database ?? throw new InvalidOperationException("No database yet.");

    protected override IReadOnlyDictionary<string, string?> StorageSettings => new Dictionary<string, string?>
    {
        ["Approvals:DataFolder"] = _folder,
        ["Approvals:Storage:Provider"] = "postgres",
        ["Approvals:Storage:ConnectionString"] = Database.ConnectionString,
    };

    protected override async Task PrepareStorageAsync() => _database = await PostgresDatabase.CreateAsync();

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

    public override async Task<int> ExecuteSqlAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, value));
        }
        return await command.ExecuteNonQueryAsync();
    }
}
