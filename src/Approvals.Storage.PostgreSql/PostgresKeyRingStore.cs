using Approvals.Core.Storage;
using Npgsql;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>The data-protection key ring, one row per element, shared by every node on the database.</summary>
public sealed class PostgresKeyRingStore(PostgresStoreDatabase database) : IKeyRingStore
{
    public async Task<IReadOnlyList<KeyRingElement>> ReadKeyRingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT friendly_name, xml FROM data_protection_keys ORDER BY id;", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var elements = new List<KeyRingElement>();
        while (await reader.ReadAsync(cancellationToken))
        {
            elements.Add(new KeyRingElement(reader.GetString(0), reader.GetString(1)));
        }
        return elements;
    }

    public async Task<bool> AddKeyRingElementAsync(KeyRingElement element, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(element);
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        // Two nodes adding the same name at once: the unique index makes the second wait for the first
        // and then insert nothing, rather than fail.
        await using var command = new NpgsqlCommand(
            "INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@name, @xml) ON CONFLICT (friendly_name) DO NOTHING;", connection);
        command.Parameters.Add(Text("name", element.FriendlyName));
        command.Parameters.Add(Text("xml", element.Xml));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
