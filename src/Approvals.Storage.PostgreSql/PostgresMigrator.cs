using System.Globalization;
using Dapper;
using Npgsql;

namespace Approvals.Storage.PostgreSql;

/// <summary>
/// Applies the embedded <c>Migrations/NNNN_name.sql</c> scripts the schema lacks, in order, each in
/// its own transaction, while holding a session advisory lock so that nodes starting together
/// apply each script once.
/// </summary>
internal static class PostgresMigrator
{
    /// <summary>Applies the embedded migrations not applied yet, up to <paramref name="upToVersion"/> (tests build old schemas with it).</summary>
    public static async Task ApplyAsync(NpgsqlConnection connection, CancellationToken cancellationToken, long upToVersion = long.MaxValue)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            $"SELECT pg_advisory_lock({LockKeys.Migrations}, {LockKeys.Schema});", cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    bigint      NOT NULL PRIMARY KEY,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now());
                """, cancellationToken: cancellationToken));
            var applied = (await connection.QueryAsync<long>(new CommandDefinition(
                "SELECT version FROM schema_migrations;", cancellationToken: cancellationToken))).ToHashSet();
            foreach (var migration in Embedded.Value)
            {
                if (applied.Contains(migration.Version) || migration.Version > upToVersion)
                {
                    continue;
                }
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (version, name) VALUES (@Version, @Name);",
                    new { migration.Version, migration.Name }, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
            }
        }
        finally
        {
            // Not the caller's token: the lock must go even when the migration was cancelled.
            await connection.ExecuteAsync($"SELECT pg_advisory_unlock({LockKeys.Migrations}, {LockKeys.Schema});");
        }
    }

    private sealed record Migration(long Version, string Name, string Sql);

    private static readonly Lazy<IReadOnlyList<Migration>> Embedded = new(Load);

    private static IReadOnlyList<Migration> Load()
    {
        const string marker = ".Migrations.";
        var assembly = typeof(PostgresMigrator).Assembly;
        var migrations = assembly.GetManifestResourceNames()
            .Where(n => n.Contains(marker, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var name = n[(n.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..^".sql".Length];
                var version = long.Parse(name.Split('_', 2)[0], NumberStyles.None, CultureInfo.InvariantCulture);
                using var stream = assembly.GetManifestResourceStream(n)
                    ?? throw new InvalidOperationException($"Embedded migration {n} cannot be read.");
                using var reader = new StreamReader(stream);
                return new Migration(version, name, reader.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToList();
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations have version {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}.");
        }
        return migrations;
    }
}

/// <summary>The advisory locks of this store, as SQL arguments <c>(class, object)</c>.</summary>
internal static class LockKeys
{
    // First key: what the lock guards (arbitrary constants, "APM1"/"APE1" in ASCII, that no other code uses).
    public const string Migrations = "1095781681";
    public const string EventOrder = "1095779633";

    // Second key: the schema, so installations sharing a database (and parallel test schemas) do
    // not serialise each other. coalesce: a NULL argument would make the lock call a silent no-op.
    public const string Schema = "hashtext(coalesce(current_schema(), ''))";
}
