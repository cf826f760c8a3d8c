using Approvals.EndToEnd.Tests.Hosting;
using Approvals.Testing.PostgreSql;

namespace Approvals.EndToEnd.Tests.Samples;

/// <summary>
/// One server process for the sample runs of a test class, configured as a deployment configures it: by
/// <c>Approvals__…</c> environment variables only, which the samples are then given unchanged. It accepts the tokens of
/// <see cref="Testing.Http.TestTokens"/>.
/// </summary>
public abstract class SampleServer : IAsyncLifetime
{
    private readonly TempFolder _data = new("approvals-e2e-samples-");
    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>The server's whole <c>Approvals__…</c> environment (storage, key, ports): what a program beside it is started with.</summary>
    public IReadOnlyDictionary<string, string> Environment => Server.ApprovalsEnvironment;

    /// <summary>True when this backend's tests are skipped (then nothing is started).</summary>
    protected virtual bool IsSkipped => false;

    /// <summary>The storage settings (and the backend's resources, made here).</summary>
    protected abstract Task<IReadOnlyDictionary<string, string>> PrepareStorageAsync();

    protected virtual Task RemoveStorageAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        if (IsSkipped)
        {
            return;
        }
        var environment = new Dictionary<string, string>(await PrepareStorageAsync(), StringComparer.Ordinal)
        {
            ["Approvals__DataFolder"] = _data.Path,
            ["Approvals__Auth__SigningKey"] = Testing.Http.TestTokens.KeySetting,
        };
        _server = await ServerProcess.StartAsync(GetType().Name, environment);
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
            await RemoveStorageAsync();
        }
        finally
        {
            _data.Dispose();
        }
    }
}

/// <summary>The embedded default: SQLite in the data folder, one silo whose gateway the samples connect to.</summary>
public sealed class SqliteSampleServer : SampleServer
{
    protected override Task<IReadOnlyDictionary<string, string>> PrepareStorageAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { ["Approvals__Storage__Provider"] = "sqlite" });
}

/// <summary>PostgreSQL in a schema of its own; the samples find the silo in its membership table (skipped without a server unless CI=true).</summary>
public sealed class PostgresSampleServer : SampleServer
{
    private PostgresDatabase? _database;

    protected override bool IsSkipped => PostgresEnvironment.SkipReason is not null;

    protected override async Task<IReadOnlyDictionary<string, string>> PrepareStorageAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        return new Dictionary<string, string>
        {
            ["Approvals__Storage__Provider"] = "postgres",
            ["Approvals__Storage__ConnectionString"] = _database.ConnectionString,
        };
    }

    protected override async Task RemoveStorageAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
