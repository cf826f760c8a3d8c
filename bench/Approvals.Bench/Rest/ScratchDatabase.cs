using Npgsql;

namespace Approvals.Bench.Rest;

/// <summary>
/// An empty database for one server process: for SQLite a data folder of its own, for PostgreSQL a
/// new database on the server named by <c>APPROVALS_BENCH_POSTGRES</c> (or <c>APPROVALS_TEST_POSTGRES</c>),
/// dropped again afterwards. A whole database (not a schema) so nothing a server build creates,
/// its own tables or Orleans', can meet another run's.
/// </summary>
public sealed class ScratchDatabase : IAsyncDisposable
{
    private readonly string? _adminConnectionString;
    private readonly string? _databaseName;

    private ScratchDatabase(IReadOnlyDictionary<string, string> settings, string description, string? adminConnectionString, string? databaseName)
    {
        Settings = settings;
        Description = description;
        _adminConnectionString = adminConnectionString;
        _databaseName = databaseName;
    }

    /// <summary>The server's storage settings, as environment variables.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>Where the data is, for messages.</summary>
    public string Description { get; }

    /// <summary>The PostgreSQL connection string of the bench's settings.</summary>
    public static string PostgresConnectionString() =>
        Environment.GetEnvironmentVariable("APPROVALS_BENCH_POSTGRES") is { Length: > 0 } bench ? bench
        : Environment.GetEnvironmentVariable("APPROVALS_TEST_POSTGRES") is { Length: > 0 } test ? test
        : throw new BenchException("Set APPROVALS_BENCH_POSTGRES (or APPROVALS_TEST_POSTGRES) to a PostgreSQL connection string; scripts/postgres.sh start gives one.");

    /// <param name="backend"><c>sqlite</c> or <c>postgres</c>.</param>
    /// <param name="dataFolder">The server's data folder (the SQLite file goes there by default).</param>
    public static async Task<ScratchDatabase> CreateAsync(string backend, string dataFolder, CancellationToken cancellationToken)
    {
        if (backend == "sqlite")
        {
            // The server's default: approvals.db in its data folder, which is new and empty.
            return new ScratchDatabase(
                new Dictionary<string, string> { ["Approvals__Storage__Provider"] = "sqlite" },
                Path.Combine(dataFolder, "approvals.db"), null, null);
        }
        var admin = PostgresConnectionString();
        var name = $"approvals_bench_{Guid.NewGuid():N}"[..32];
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(admin);
            await using var create = dataSource.CreateCommand($"CREATE DATABASE {name};");
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException e)
        {
            var server = new NpgsqlConnectionStringBuilder(admin);
            throw new BenchException($"Could not create a database on PostgreSQL {server.Host}:{server.Port} as {server.Username}: {e.Message}");
        }
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        return new ScratchDatabase(
            new Dictionary<string, string>
            {
                ["Approvals__Storage__Provider"] = "postgres",
                ["Approvals__Storage__ConnectionString"] = connectionString,
            },
            $"PostgreSQL database {name}", admin, name);
    }

    /// <summary>Drops the PostgreSQL database (call after the server is gone; FORCE ends any connection left).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_databaseName is null)
        {
            return;
        }
        await using var dataSource = NpgsqlDataSource.Create(_adminConnectionString!);
        await using var drop = dataSource.CreateCommand($"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE);");
        await drop.ExecuteNonQueryAsync();
    }
}
