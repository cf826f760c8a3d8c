using Approvals.Core.Storage;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>API keys, stored by prefix and hash.</summary>
public sealed class PostgresApiKeyStore(PostgresStoreDatabase database) : IApiKeyStore
{
    private const string SelectApiKeys =
        "SELECT id, tenant_id, name, prefix, hash, scopes, created_by, created_at, revoked_at, last_used_at FROM api_keys";

    public async Task<bool> CreateApiKeyAsync(StoredApiKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_by, created_at)
            VALUES (@id, @tenant, @name, @prefix, @hash, @scopes, @created_by, @created_at)
            ON CONFLICT (prefix) DO NOTHING;
            """, connection);
        command.Parameters.Add(Text("id", key.Id));
        command.Parameters.Add(Text("tenant", key.TenantId));
        command.Parameters.Add(Text("name", key.Name));
        command.Parameters.Add(Text("prefix", key.Prefix));
        command.Parameters.Add(new NpgsqlParameter<byte[]>("hash", NpgsqlDbType.Bytea) { TypedValue = key.Hash });
        command.Parameters.Add(TextArray("scopes", key.Scopes));
        command.Parameters.Add(Text("created_by", key.CreatedBy));
        command.Parameters.Add(Time("created_at", key.CreatedAt));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<StoredApiKey?> FindApiKeyByPrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"{SelectApiKeys} WHERE prefix = @prefix;", connection);
        command.Parameters.Add(Text("prefix", prefix));
        return (await ReadApiKeysAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<StoredApiKey>> ListApiKeysAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"{SelectApiKeys} WHERE tenant_id = @tenant ORDER BY created_at DESC, id DESC;", connection);
        command.Parameters.Add(Text("tenant", tenantId));
        return await ReadApiKeysAsync(command, cancellationToken);
    }

    public async Task<bool> RevokeApiKeyAsync(string tenantId, string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, @now) WHERE id = @id AND tenant_id = @tenant;", connection);
        command.Parameters.Add(Text("tenant", tenantId));
        command.Parameters.Add(Text("id", id));
        command.Parameters.Add(Time("now", now));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task TouchApiKeyAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "UPDATE api_keys SET last_used_at = @now WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @now);", connection);
        command.Parameters.Add(Text("id", id));
        command.Parameters.Add(Time("now", now));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<StoredApiKey>> ReadApiKeysAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<StoredApiKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new StoredApiKey(
                Id: reader.GetString(0),
                TenantId: reader.GetString(1),
                Name: reader.GetString(2),
                Prefix: reader.GetString(3),
                Hash: reader.GetFieldValue<byte[]>(4),
                Scopes: reader.GetFieldValue<string[]>(5),
                CreatedBy: reader.GetString(6),
                CreatedAt: reader.GetFieldValue<DateTimeOffset>(7),
                RevokedAt: await reader.IsDBNullAsync(8, cancellationToken) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                LastUsedAt: await reader.IsDBNullAsync(9, cancellationToken) ? null : reader.GetFieldValue<DateTimeOffset>(9)));
        }
        return keys;
    }
}
