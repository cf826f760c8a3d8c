using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Approvals.Storage.Sqlite;

/// <summary>Applies the embedded <c>Migrations/NNNN_name.sql</c> scripts that the database lacks, in order.</summary>
internal static class SqliteMigrator
{
    /// <summary>Applies the embedded migrations not applied yet, up to <paramref name="upToVersion"/> (tests build old schemas with it).</summary>
    public static async Task ApplyAsync(SqliteConnection connection, CancellationToken cancellationToken, long upToVersion = long.MaxValue)
    {
        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);");
        var applied = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations;")).ToHashSet();
        foreach (var (version, name, sql) in EmbeddedMigrations())
        {
            if (applied.Contains(version) || version > upToVersion)
            {
                continue;
            }
            await using var transaction = connection.BeginTransaction(deferred: false);
            // Another connection to the file (the reminder table starting beside the store, another
            // process) may have applied it since the list was read. BEGIN IMMEDIATE holds the write lock,
            // so this check and the script are one step.
            if (await connection.ExecuteScalarAsync<long>(
                    "SELECT count(*) FROM schema_migrations WHERE version = @version;", new { version }, transaction) > 0)
            {
                continue;
            }
            await connection.ExecuteAsync(sql, transaction: transaction);
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, datetime('now'));",
                new { version, name }, transaction);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private static IEnumerable<(long Version, string Name, string Sql)> EmbeddedMigrations()
    {
        var assembly = typeof(SqliteMigrator).Assembly;
        const string marker = ".Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.Contains(marker, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[(n.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..^".sql".Length];
                var version = long.Parse(file.Split('_', 2)[0], System.Globalization.CultureInfo.InvariantCulture);
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (version, file, reader.ReadToEnd());
            })
            .OrderBy(m => m.version)
            .ToList();
    }
}
