using Approvals.Storage.PostgreSql;
using Npgsql;

namespace Approvals.Testing.PostgreSql;

/// <summary>
/// A fresh, uniquely named schema on the server of <see cref="PostgresEnvironment"/> and a data source
/// whose search_path is that schema, so tests never see each other's rows. The schema is dropped on
/// dispose. Use <see cref="CreateAsync"/> per test, or the type as a class or collection fixture.
/// </summary>
public sealed class PostgresDatabase : IAsyncLifetime, IAsyncDisposable
{
    // Creates and drops the test schemas; one pool for the whole test run.
    private static readonly Lazy<NpgsqlDataSource> Admin =
        new(() => NpgsqlDataSource.Create(PostgresEnvironment.RequireConnectionString()));

    private NpgsqlDataSource? _dataSource;

    /// <summary>The schema's name (lower case, safe to use unquoted).</summary>
    public string SchemaName { get; } = $"approvals_test_{Guid.NewGuid():N}"[..31];

    /// <summary>The data source scoped to <see cref="SchemaName"/>.</summary>
    public NpgsqlDataSource DataSource =>
        _dataSource ?? throw new InvalidOperationException("The database is not initialised yet.");

    /// <summary>A connection string scoped to <see cref="SchemaName"/>, for code that builds its own data source.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Creates the schema and its data source.</summary>
    public static async Task<PostgresDatabase> CreateAsync(CancellationToken cancellationToken = default)
    {
        var database = new PostgresDatabase();
        await database.CreateSchemaAsync(cancellationToken);
        return database;
    }

    public Task InitializeAsync() => CreateSchemaAsync(CancellationToken.None);

    private async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        await using (var create = Admin.Value.CreateCommand($"CREATE SCHEMA {SchemaName};"))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(PostgresEnvironment.RequireConnectionString())
        {
            SearchPath = SchemaName,
        }.ConnectionString;
        _dataSource = PostgresStoreDatabase.CreateDataSource(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is null)
        {
            return;
        }
        // Closes this schema's pooled connections before the schema goes.
        await _dataSource.DisposeAsync();
        _dataSource = null;
        await using var drop = Admin.Value.CreateCommand($"DROP SCHEMA IF EXISTS {SchemaName} CASCADE;");
        await drop.ExecuteNonQueryAsync();
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
}
