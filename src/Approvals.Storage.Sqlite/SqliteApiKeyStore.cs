using Approvals.Core.Storage;
using Dapper;

namespace Approvals.Storage.Sqlite;

/// <summary>API keys, stored by prefix and hash.</summary>
public sealed class SqliteApiKeyStore(SqliteStoreDatabase database) : IApiKeyStore
{
    private const string SelectApiKeys =
        "SELECT id, tenant_id, name, prefix, hash, scopes, created_by, created_at, revoked_at, last_used_at FROM api_keys";

    public Task<bool> CreateApiKeyAsync(StoredApiKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(
            """
            INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_by, created_at, revoked_at, last_used_at)
            VALUES (@Id, @TenantId, @Name, @Prefix, @Hash, @scopes, @CreatedBy, @createdAt, NULL, NULL)
            ON CONFLICT (prefix) DO NOTHING;
            """,
            new { key.Id, key.TenantId, key.Name, key.Prefix, key.Hash, scopes = string.Join(' ', key.Scopes), key.CreatedBy, createdAt = Micros.From(key.CreatedAt) },
            transaction) == 1, cancellationToken);
    }

    public async Task<StoredApiKey?> FindApiKeyByPrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ApiKeyRow>(new CommandDefinition(
            $"{SelectApiKeys} WHERE prefix = @prefix;", new { prefix }, cancellationToken: cancellationToken));
        return row?.ToKey();
    }

    public async Task<IReadOnlyList<StoredApiKey>> ListApiKeysAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ApiKeyRow>(new CommandDefinition(
            $"{SelectApiKeys} WHERE tenant_id = @tenantId ORDER BY created_at DESC, id DESC;", new { tenantId }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToKey()).ToList();
    }

    public Task<bool> RevokeApiKeyAsync(string tenantId, string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, @now) WHERE id = @id AND tenant_id = @tenantId;",
            new { tenantId, id, now = Micros.From(now) }, transaction) == 1, cancellationToken);

    public Task TouchApiKeyAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "UPDATE api_keys SET last_used_at = @now WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @now);",
            new { id, now = Micros.From(now) }, transaction), cancellationToken);

    private sealed record ApiKeyRow(string Id, string Tenant_Id, string Name, string Prefix, byte[] Hash, string Scopes, string Created_By,
        long Created_At, long? Revoked_At, long? Last_Used_At)
    {
        public StoredApiKey ToKey() => new(Id, Tenant_Id, Name, Prefix, Hash,
            Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), Created_By, Micros.To(Created_At),
            Revoked_At is { } revoked ? Micros.To(revoked) : null, Last_Used_At is { } used ? Micros.To(used) : null);
    }
}
