using Approvals.Core.Storage;
using Dapper;

namespace Approvals.Storage.Sqlite;

/// <summary>The data-protection key ring, one row per element.</summary>
public sealed class SqliteKeyRingStore(SqliteStoreDatabase database) : IKeyRingStore
{
    public async Task<IReadOnlyList<KeyRingElement>> ReadKeyRingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<KeyRingRow>(new CommandDefinition(
            "SELECT friendly_name, xml FROM data_protection_keys ORDER BY id;", cancellationToken: cancellationToken));
        return rows.Select(r => new KeyRingElement(r.Friendly_Name, r.Xml)).ToList();
    }

    public Task<bool> AddKeyRingElementAsync(KeyRingElement element, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(element);
        return database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(
            """
            INSERT INTO data_protection_keys (friendly_name, xml, added_at)
            VALUES (@FriendlyName, @Xml, CAST(unixepoch('subsec') * 1000000 AS INTEGER))
            ON CONFLICT (friendly_name) DO NOTHING;
            """,
            new { element.FriendlyName, element.Xml }, transaction) == 1, cancellationToken);
    }

    private sealed record KeyRingRow(string Friendly_Name, string Xml);
}
