using System.Security.Cryptography;
using System.Text;
using Approvals.Core.Storage;
using Dapper;
using Npgsql;

namespace Approvals.Storage.PostgreSql;

/// <summary>
/// The multi-node backend's database, which every PostgreSQL store port is built over. Every node is
/// stateless: version checks, row locks, <c>FOR UPDATE SKIP LOCKED</c> and advisory locks in PostgreSQL do
/// all the coordination. Tables live in the connection's search_path.
/// </summary>
public sealed class PostgresStoreDatabase : IStoreDatabase
{
    // The notice channel of this database's schema, computed on first use (every node computes the same name).
    private string? _changeChannel;

    /// <summary>Uses the database of <paramref name="dataSource"/>, which the caller owns and disposes.</summary>
    public PostgresStoreDatabase(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        DataSource = dataSource;
    }

    /// <summary>The pool every store port of this database opens its connections from.</summary>
    internal NpgsqlDataSource DataSource { get; }

    /// <summary>
    /// Builds a data source for <paramref name="connectionString"/> (e.g.
    /// <c>Host=db;Database=approvals;Username=…;Password=…;SearchPath=approvals</c>). The caller owns it.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.ApplicationName))
        {
            builder.ConnectionStringBuilder.ApplicationName = "approvals";
        }
        // The store runs a small, fixed set of statements; preparing them saves parsing and planning on every call.
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        }
        return builder.Build();
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await PostgresMigrator.ApplyAsync(connection, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidSchemaName)
        {
            // Creating the schema needs rights the application should not hold; say what is missing.
            var searchPath = new NpgsqlConnectionStringBuilder(DataSource.ConnectionString).SearchPath ?? "(server default)";
            throw new InvalidOperationException(
                $"No schema of the search_path '{searchPath}' exists; create it (CREATE SCHEMA …) before migrating.", e);
        }
    }

    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
            return await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1;", cancellationToken: cancellationToken)) == 1;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// The notice channel of <paramref name="schema"/>. Notices are database-wide, so the name carries a
    /// hash of the schema: installations sharing a database (and the test schemas) hear only their own.
    /// A hash keeps the name short and unquoted; a collision would only wake a listener for nothing.
    /// </summary>
    internal static string ChangeChannelOf(string schema) =>
        "approvals_changes_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(schema)))[..16];

    /// <summary>
    /// The notice channel of this database's schema, on which the state store announces its commits and the
    /// change feed listens.
    /// </summary>
    internal async ValueTask<string> ChangeChannelAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_changeChannel is null)
        {
            // Racing first callers compute the same name; whichever wins is fine.
            var schema = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
                "SELECT coalesce(current_schema(), '');", cancellationToken: cancellationToken));
            _changeChannel = ChangeChannelOf(schema ?? "");
        }
        return _changeChannel;
    }
}
